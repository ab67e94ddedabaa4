// Package archive reads an uploaded scan archive safely: a .zip, a .tar, a
// .tar.gz/.tgz or a single image (TIFF, PNG, JPEG), told apart by their first
// bytes, never by name. Every entry is checked before it is used: no path
// traversal, no absolute paths, no links or devices, bytes counted as they
// are decompressed (header sizes are not trusted), and image dimensions
// read from the header only. A refusal is an *UnsafeError.
package archive

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnsafe is matched, through errors.Is, by every *UnsafeError.
var ErrUnsafe = errors.New("unsafe archive")

// ErrCorrupt is wrapped by errors about input that cannot be read: a damaged
// zip directory, a truncated tar or gzip stream, an image whose header does
// not decode.
var ErrCorrupt = errors.New("corrupt archive")

// ErrFormat is wrapped when the upload is none of the accepted formats.
var ErrFormat = errors.New("unsupported upload format")

// ErrAmbiguous is wrapped when an archive holds two manifests or two truth
// LAS files and the reader cannot tell which one the user meant.
var ErrAmbiguous = errors.New("ambiguous archive")

// UnsafeError refuses an archive because of one entry (or, with Entry empty,
// the archive as a whole).
type UnsafeError struct {
	// Entry is the offending entry's name as stored in the archive.
	Entry string
	// Reason says what was wrong, in words a user can act on.
	Reason string
}

// Error implements error.
func (e *UnsafeError) Error() string {
	if e.Entry == "" {
		return "unsafe archive: " + e.Reason
	}
	return fmt.Sprintf("unsafe archive entry %q: %s", e.Entry, e.Reason)
}

// Is makes errors.Is(err, ErrUnsafe) true.
func (e *UnsafeError) Is(target error) bool { return target == ErrUnsafe }

func unsafe(entry, format string, args ...any) error {
	return &UnsafeError{Entry: entry, Reason: fmt.Sprintf(format, args...)}
}

// Limits bound what Open accepts. A zero field takes its default.
//
// Only pages, the manifest and the truth LAS are kept in memory; any other
// entry is decompressed to nowhere while its bytes are counted. A size the
// archive declares (tar and zip headers; their readers stop at it) is
// checked before anything is decompressed, and an image's header is checked
// on its first 64 KiB, so a bomb is refused before it is buffered.
type Limits struct {
	// MaxEntryBytes bounds one entry's decompressed size. Default 256 MiB:
	// a 16000 x 16000 px uncompressed 8-bit page fits; larger scans are to
	// be compressed (CCITT G4, LZW, deflate).
	MaxEntryBytes int64
	// MaxTotalBytes bounds the sum of all entries' decompressed sizes, and
	// the upload itself. Default 1 GiB.
	MaxTotalBytes int64
	// MaxManifestBytes bounds the manifest. Default 1 MiB.
	MaxManifestBytes int64
	// MaxLASBytes bounds the truth LAS. Default 128 MiB.
	MaxLASBytes int64
	// MaxEntries bounds the number of entries, directories included.
	// Default 10000.
	MaxEntries int
	// MaxPixels bounds width x height of each image, read from its header.
	// Default 400 Mpx (400e6 px).
	MaxPixels int64
}

// Default limits.
const (
	DefaultMaxEntryBytes    = 256 << 20
	DefaultMaxTotalBytes    = 1 << 30
	DefaultMaxManifestBytes = 1 << 20
	DefaultMaxLASBytes      = 128 << 20
	DefaultMaxEntries       = 10000
	DefaultMaxPixels        = 400_000_000
)

// DefaultLimits returns the limits Open uses for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxEntryBytes: DefaultMaxEntryBytes, MaxTotalBytes: DefaultMaxTotalBytes,
		MaxManifestBytes: DefaultMaxManifestBytes, MaxLASBytes: DefaultMaxLASBytes,
		MaxEntries: DefaultMaxEntries, MaxPixels: DefaultMaxPixels,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxEntryBytes <= 0 {
		l.MaxEntryBytes = d.MaxEntryBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	if l.MaxManifestBytes <= 0 {
		l.MaxManifestBytes = d.MaxManifestBytes
	}
	if l.MaxLASBytes <= 0 {
		l.MaxLASBytes = d.MaxLASBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	return l
}

// Entry is one file taken from the upload.
type Entry struct {
	// Name is the entry's cleaned path inside the archive ("a/b.tif"); for
	// a single-image upload, the upload's base name.
	Name string
	// Data is the entry's decompressed content.
	Data []byte
	// Format is the image format for pages ("tiff", "png", "jpeg"); empty
	// for the manifest and the truth LAS.
	Format string
	// Width and Height are the first image's size in px, from the header;
	// zero for non-images.
	Width, Height int
}

// Contents is what an upload holds, sorted by role.
type Contents struct {
	// Pages are the images, in archive order.
	Pages []Entry
	// Manifest is the entry manifest.IsManifestName accepts, or nil.
	Manifest *Entry
	// Truth is the *.las entry (a reference log for QA), or nil.
	Truth *Entry
	// Others names every other file, skipped (directories are not listed).
	Others []string
	// Skipped says why each entry of Others was skipped, in archive order.
	Skipped []Skipped
}

// Skipped is a file of the upload that is neither a page, the manifest nor
// the truth LAS.
type Skipped struct {
	// Name is the entry's cleaned name.
	Name string
	// Reason says why it was skipped ("empty file, 0 bytes", "a nested
	// archive; ...").
	Reason string
}

// ErrNoPages is wrapped by [Contents.CheckPages] when no entry is a page.
var ErrNoPages = errors.New("the upload holds no page image (TIFF, PNG or JPEG)")

// CheckPages returns nil when the upload holds a page, else an error
// wrapping ErrNoPages that names every skipped entry and why, e.g.
// "...: skipped inner.zip (a nested archive; put its files in the upload
// itself)".
func (c *Contents) CheckPages() error {
	if len(c.Pages) > 0 {
		return nil
	}
	if len(c.Skipped) == 0 {
		return fmt.Errorf("%w: the upload is empty", ErrNoPages)
	}
	parts := make([]string, len(c.Skipped))
	for i, s := range c.Skipped {
		parts[i] = fmt.Sprintf("%s (%s)", s.Name, s.Reason)
	}
	return fmt.Errorf("%w: skipped %s", ErrNoPages, strings.Join(parts, ", "))
}

// Options tune [OpenWith].
type Options struct {
	// Limits bound what is accepted; zero fields take their defaults.
	Limits Limits
	// ManifestGiven says the job brings its own manifest (submit
	// --manifest): manifests inside the archive are then skipped, and
	// neither two of them nor an empty one is an error.
	ManifestGiven bool
}
