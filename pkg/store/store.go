// Package store is the object store the stages move images through: a small
// interface over S3 (MinIO, versitygw, AWS) with an in-memory twin for unit
// tests of logic. Both pass the conformance suite in [storetest].
package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrNotFound is returned, wrapped, by Get, Stat and List when the object or
// the bucket does not exist. Branch on it with errors.Is.
var ErrNotFound = errors.New("not found")

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	// Key is the object's key inside its bucket.
	Key string
	// Size is the object's length in bytes.
	Size int64
	// ETag is the store's entity tag, without quotes; opaque.
	ETag string
	// ContentType is the media type given at Put; empty from List on
	// stores that do not return it there.
	ContentType string
	// LastModified is when the object was last written.
	LastModified time.Time
}

// Store is an object store of buckets of keyed blobs. Implementations are safe
// for concurrent use. Keys are UTF-8 and may contain '/', spaces and any
// printable character; a Put over an existing key replaces it.
type Store interface {
	// EnsureBucket creates the bucket when it does not exist; an existing
	// bucket is not an error.
	EnsureBucket(ctx context.Context, bucket string) error
	// Put stores size bytes read from r under bucket/key. size -1 means
	// unknown: the reader is read to EOF. An empty contentType stores
	// application/octet-stream.
	Put(ctx context.Context, bucket, key string, r io.Reader, size int64,
		contentType string) error
	// Get opens the object for reading; the caller closes it. A missing
	// object or bucket gives an error wrapping ErrNotFound.
	Get(ctx context.Context, bucket, key string) (io.ReadCloser, error)
	// Stat describes the object; ErrNotFound when it is missing.
	Stat(ctx context.Context, bucket, key string) (ObjectInfo, error)
	// List returns every object whose key starts with prefix, at any depth,
	// sorted by key. A missing bucket gives ErrNotFound.
	List(ctx context.Context, bucket, prefix string) ([]ObjectInfo, error)
	// Delete removes the object; deleting a missing key is not an error.
	Delete(ctx context.Context, bucket, key string) error
}

// DefaultContentType is stored when Put is given no content type.
const DefaultContentType = "application/octet-stream"

// PutBytes stores data under bucket/key.
func PutBytes(ctx context.Context, s Store, bucket, key string, data []byte,
	contentType string) error {
	return s.Put(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), contentType)
}

// GetBytes reads the whole object into memory. Errors wrap ErrNotFound when the
// object is missing.
func GetBytes(ctx context.Context, s Store, bucket, key string) ([]byte, error) {
	rc, err := s.Get(ctx, bucket, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()

	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("store: read %s/%s: %w", bucket, key, err)
	}
	return data, nil
}

func notFound(op, bucket, key string) error {
	return fmt.Errorf("store: %s %s/%s: %w", op, bucket, key, ErrNotFound)
}

var (
	_ Store = (*S3)(nil)
	_ Store = (*Memory)(nil)
)
