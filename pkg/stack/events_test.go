package stack

import (
	"strings"
	"testing"
)

// minioPayload is shaped like MinIO's NATS notification: the top-level
// EventName/Key pair, eventSource minio:s3 and a query-escaped key.
const minioPayload = `{"EventName":"s3:ObjectCreated:Put",
 "Key":"scans/jobs%2Fa+b%2Bc%25d.tif",
 "Records":[{"eventVersion":"2.0","eventSource":"minio:s3","awsRegion":"",
  "eventTime":"2024-05-01T10:11:12.345Z","eventName":"s3:ObjectCreated:Put",
  "userIdentity":{"principalId":"minioadmin"},
  "s3":{"s3SchemaVersion":"1.0","configurationId":"Config",
   "bucket":{"name":"scans","ownerIdentity":{"principalId":"minioadmin"},
    "arn":"arn:aws:s3:::scans"},
   "object":{"key":"jobs%2Fa+b%2Bc%25d.tif","size":4096,
    "eTag":"5fc7298143efe1276d39a3466d4e255f","contentType":"image/tiff",
    "sequencer":"15CFEDF8D5304D1A"}},
  "source":{"host":"127.0.0.1","port":"","userAgent":"MinIO"}}]}`

// versityPayload is what versitygw v1.8.0 published in this package's stack
// test for the key "jobs/a b+c%d.tif": the key is sent unescaped.
const versityPayload = `{"Records":[{"eventVersion":"2.2","eventSource":"aws:s3",
 "awsRegion":"us-east-1","eventTime":"2026-12-04T16:08:34Z",
 "eventName":"s3:ObjectCreated:Put","userIdentity":{"PrincipalId":"gw"},
 "requestParameters":{"sourceIPAddress":"127.0.0.1"},
 "responseElements":{"x-amz-request-id":"","x-amz-id-2":""},
 "s3":{"s3SchemaVersion":"1.0","configurationId":"webhook-global",
  "bucket":{"name":"scans","ownerIdentity":{"PrincipalId":"gw"},
   "arn":"arn:aws:s3:::/scans/jobs/a b+c%d.tif"},
  "object":{"key":"jobs/a b+c%d.tif","size":4096,
   "eTag":"\"9dd4e461268c8034f5c8564e155c67a6\"","versionId":null,"sequencer":"1"}},
 "glacierEventData":{"restoreEventData":{}}}]}`

const awsPayload = `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3",
 "eventTime":"2024-05-01T10:11:12.000Z","eventName":"s3:ObjectRemoved:Delete",
 "s3":{"configurationId":"inbox-rule","bucket":{"name":"work"},
  "object":{"key":"x/%C3%BC+1.png","size":0}}}]}`

func TestParseS3Event(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    []ObjectEvent // only Name, Bucket, Key, Size, ETag, Source checked
		wantErr string
	}{
		{
			name: "minio query-escaped key", payload: minioPayload,
			want: []ObjectEvent{{Name: "s3:ObjectCreated:Put", Bucket: "scans",
				Key: "jobs/a b+c%d.tif", Size: 4096,
				ETag: "5fc7298143efe1276d39a3466d4e255f", Source: "minio"}},
		},
		{
			name: "versitygw verbatim key", payload: versityPayload,
			want: []ObjectEvent{{Name: "s3:ObjectCreated:Put", Bucket: "scans",
				Key: "jobs/a b+c%d.tif", Size: 4096,
				ETag: "9dd4e461268c8034f5c8564e155c67a6", Source: "versitygw"}},
		},
		{
			name: "aws query-escaped key", payload: awsPayload,
			want: []ObjectEvent{{Name: "s3:ObjectRemoved:Delete", Bucket: "work",
				Key: "x/ü 1.png", Source: "aws"}},
		},
		{
			name:    "versitygw test event",
			payload: `{"Service":"S3","Event":"s3:TestEvent","Time":"x","Bucket":"Test-Bucket"}`,
		},
		{name: "not json", payload: `PUT scans/x`, wantErr: "parse s3 event"},
		{name: "json but no records", payload: `{"hello":1}`, wantErr: "no Records"},
		{
			name:    "record without key",
			payload: `{"Records":[{"eventSource":"minio:s3","s3":{"bucket":{"name":"b"}}}]}`,
			wantErr: "missing bucket or key",
		},
		{
			name: "minio bad escape",
			payload: `{"Records":[{"eventSource":"minio:s3",` +
				`"s3":{"bucket":{"name":"b"},"object":{"key":"100%"}}}]}`,
			wantErr: "key \"100%\"",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseS3Event([]byte(tt.payload))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d records, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				g.Time = w.Time
				if g != w {
					t.Errorf("record %d = %+v, want %+v", i, g, w)
				}
				if got[i].Time.IsZero() {
					t.Errorf("record %d: event time not parsed", i)
				}
			}
		})
	}
}

func BenchmarkParseS3Event(b *testing.B) {
	data := []byte(versityPayload)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseS3Event(data); err != nil {
			b.Fatal(err)
		}
	}
}
