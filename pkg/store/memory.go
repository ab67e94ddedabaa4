package store

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

type memObject struct {
	data []byte
	info ObjectInfo
}

// Memory is an in-process Store for unit tests of logic; it keeps every
// object in a map and never touches the network. The zero value is not
// usable: call NewMemory.
type Memory struct {
	mu      sync.RWMutex
	buckets map[string]map[string]memObject
}

// NewMemory returns an empty in-memory store with no buckets.
func NewMemory() *Memory {
	return &Memory{buckets: make(map[string]map[string]memObject)}
}

// EnsureBucket implements Store.
func (m *Memory) EnsureBucket(ctx context.Context, bucket string) error {
	if bucket == "" {
		return fmt.Errorf("store: ensure bucket: empty bucket name")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.buckets[bucket] == nil {
		m.buckets[bucket] = make(map[string]memObject)
	}
	return nil
}

// Put implements Store.
func (m *Memory) Put(ctx context.Context, bucket, key string, r io.Reader, size int64,
	contentType string) error {
	if key == "" {
		return fmt.Errorf("store: put %s: empty key", bucket)
	}
	data, err := readSized(r, size)
	if err != nil {
		return fmt.Errorf("store: put %s/%s: %w", bucket, key, err)
	}
	if contentType == "" {
		contentType = DefaultContentType
	}
	sum := md5.Sum(data)
	obj := memObject{data: data, info: ObjectInfo{
		Key: key, Size: int64(len(data)), ETag: hex.EncodeToString(sum[:]),
		ContentType: contentType, LastModified: time.Now().UTC(),
	}}

	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[bucket]
	if b == nil {
		return notFound("put", bucket, key)
	}
	b[key] = obj
	return nil
}

// readSized reads exactly size bytes (or to EOF when size < 0).
func readSized(r io.Reader, size int64) ([]byte, error) {
	if size < 0 {
		return io.ReadAll(r)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("read %d bytes: %w", size, err)
	}
	return data, nil
}

func (m *Memory) object(bucket, key string) (memObject, bool, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, okBucket := m.buckets[bucket]
	obj, ok := b[key]
	return obj, okBucket, ok
}

// Get implements Store.
func (m *Memory) Get(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	obj, _, ok := m.object(bucket, key)
	if !ok {
		return nil, notFound("get", bucket, key)
	}
	return io.NopCloser(bytes.NewReader(obj.data)), nil
}

// Stat implements Store.
func (m *Memory) Stat(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	obj, _, ok := m.object(bucket, key)
	if !ok {
		return ObjectInfo{}, notFound("stat", bucket, key)
	}
	return obj.info, nil
}

// List implements Store.
func (m *Memory) List(ctx context.Context, bucket, prefix string) ([]ObjectInfo, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.buckets[bucket]
	if !ok {
		return nil, notFound("list", bucket, prefix)
	}
	var out []ObjectInfo
	for k, obj := range b {
		if strings.HasPrefix(k, prefix) {
			out = append(out, obj.info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Delete implements Store.
func (m *Memory) Delete(ctx context.Context, bucket, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.buckets[bucket]
	if !ok {
		return notFound("delete", bucket, key)
	}
	delete(b, key)
	return nil
}
