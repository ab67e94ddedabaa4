package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 is a Store over any S3-compatible server (versitygw, MinIO, AWS) through
// minio-go. It is safe for concurrent use. The credentials live only inside
// the client: they are never logged nor printed by String.
type S3 struct {
	client   *minio.Client
	endpoint string
}

// DefaultRegion is the region S3 signs requests for; versitygw and MinIO
// default to it, and naming it spares a GetBucketLocation round trip.
const DefaultRegion = "us-east-1"

// NewS3 returns a store talking to endpoint ("host:port", no scheme) with the
// given access and secret keys, over HTTPS when secure. It does not dial: a
// wrong endpoint or key shows on the first call.
func NewS3(endpoint, access, secret string, secure bool) (*S3, error) {
	endpoint = strings.TrimPrefix(strings.TrimPrefix(endpoint, "http://"), "https://")
	c, err := minio.New(endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(access, secret, ""),
		Secure: secure,
		Region: DefaultRegion,
	})
	if err != nil {
		return nil, fmt.Errorf("store: s3 client for %s: %w", endpoint, err)
	}
	return &S3{client: c, endpoint: endpoint}, nil
}

// String names the endpoint only, never the keys.
func (s *S3) String() string { return "s3://" + s.endpoint }

// Client returns the underlying minio-go client for calls the Store interface
// does not cover (presigned URLs, multipart tuning).
func (s *S3) Client() *minio.Client { return s.client }

// EnsureBucket implements Store.
func (s *S3) EnsureBucket(ctx context.Context, bucket string) error {
	err := s.client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: DefaultRegion})
	if err == nil {
		return nil
	}
	code := minio.ToErrorResponse(err).Code
	if code == minio.BucketAlreadyOwnedByYou || code == minio.BucketAlreadyExists {
		return nil
	}
	return fmt.Errorf("store: create bucket %s on %s: %w", bucket, s.endpoint, err)
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, bucket, key string, r io.Reader, size int64,
	contentType string) error {
	if contentType == "" {
		contentType = DefaultContentType
	}
	_, err := s.client.PutObject(ctx, bucket, key, r, size,
		minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return s.wrap("put", bucket, key, err)
	}
	return nil
}

// Get implements Store. It asks the server for the object before returning,
// so a missing key is reported here rather than on the first Read.
func (s *S3) Get(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	obj, err := s.client.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.wrap("get", bucket, key, err)
	}
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, s.wrap("get", bucket, key, err)
	}
	return obj, nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	oi, err := s.client.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return ObjectInfo{}, s.wrap("stat", bucket, key, err)
	}
	return toInfo(oi), nil
}

// List implements Store.
func (s *S3) List(ctx context.Context, bucket, prefix string) ([]ObjectInfo, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var out []ObjectInfo
	opts := minio.ListObjectsOptions{Prefix: prefix, Recursive: true}
	for oi := range s.client.ListObjects(ctx, bucket, opts) {
		if oi.Err != nil {
			return nil, s.wrap("list", bucket, prefix, oi.Err)
		}
		out = append(out, toInfo(oi))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, bucket, key string) error {
	err := s.client.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{})
	if err != nil {
		return s.wrap("delete", bucket, key, err)
	}
	return nil
}

func toInfo(oi minio.ObjectInfo) ObjectInfo {
	return ObjectInfo{
		Key:          oi.Key,
		Size:         oi.Size,
		ETag:         strings.Trim(oi.ETag, `"`),
		ContentType:  oi.ContentType,
		LastModified: oi.LastModified,
	}
}

// wrap maps S3's missing-key and missing-bucket answers to ErrNotFound and
// names the endpoint in every other error.
func (s *S3) wrap(op, bucket, key string, err error) error {
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == minio.NoSuchKey, resp.Code == minio.NoSuchBucket,
		resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("store: %s %s/%s: %w (%s)", op, bucket, key, ErrNotFound, resp.Code)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("store: %s %s/%s: %w", op, bucket, key, err)
	}
	return fmt.Errorf("store: %s %s/%s on %s: %w", op, bucket, key, s.endpoint, err)
}
