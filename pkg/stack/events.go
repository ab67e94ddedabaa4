package stack

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// ObjectEvent is one bucket notification record, the same whichever server
// sent it.
type ObjectEvent struct {
	// Name is the S3 event name, e.g. "s3:ObjectCreated:Put".
	Name string
	// Bucket and Key locate the object; Key is decoded, exactly as stored.
	Bucket, Key string
	// Size is the object's length in bytes; ETag its entity tag, unquoted.
	Size int64
	ETag string
	// Time is when the server saw the change; zero when it did not say.
	Time time.Time
	// Source names the sender: "minio", "versitygw" or "aws".
	Source string
}

// Created reports whether the event is an object-created one.
func (e ObjectEvent) Created() bool {
	return strings.HasPrefix(e.Name, "s3:ObjectCreated:")
}

// s3Event is the shared shape of AWS, MinIO and versitygw notifications.
type s3Event struct {
	Records []struct {
		EventVersion string `json:"eventVersion"`
		EventSource  string `json:"eventSource"`
		EventTime    string `json:"eventTime"`
		EventName    string `json:"eventName"`
		S3           struct {
			ConfigurationID string `json:"configurationId"`
			Bucket          struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key  string  `json:"key"`
				Size int64   `json:"size"`
				ETag *string `json:"eTag"`
			} `json:"object"`
		} `json:"s3"`
	} `json:"Records"`
	// Event is set on test events (versitygw: "s3:TestEvent").
	Event string `json:"Event"`
}

// ParseS3Event decodes one notification message into its records. It accepts
// MinIO's payload, whose object keys are URL-query-encoded ("a b+c.tif"
// arrives as "a+b%2Bc.tif"), AWS's, encoded the same way, and versitygw's
// (v1.8.0), whose keys are the decoded request path, sent verbatim ("a b+c.tif"
// arrives as "a b+c.tif"). A test event (versitygw publishes one when it
// connects) gives no records and no error. A payload that is not an S3
// event, or a record without bucket or key, is an error.
func ParseS3Event(data []byte) ([]ObjectEvent, error) {
	var ev s3Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, fmt.Errorf("parse s3 event: %w", err)
	}
	if len(ev.Records) == 0 {
		if strings.HasSuffix(ev.Event, "TestEvent") {
			return nil, nil
		}
		return nil, fmt.Errorf("parse s3 event: no Records in %.80q", data)
	}

	out := make([]ObjectEvent, 0, len(ev.Records))
	for i, r := range ev.Records {
		src := source(r.EventSource, r.S3.ConfigurationID)
		key, err := decodeKey(src, r.S3.Object.Key)
		if err != nil {
			return nil, fmt.Errorf("parse s3 event record %d: key %q: %w", i, r.S3.Object.Key, err)
		}
		if r.S3.Bucket.Name == "" || key == "" {
			return nil, fmt.Errorf("parse s3 event record %d: missing bucket or key", i)
		}
		oe := ObjectEvent{
			Name: r.EventName, Bucket: r.S3.Bucket.Name, Key: key,
			Size: r.S3.Object.Size, Source: src,
		}
		if r.S3.Object.ETag != nil {
			oe.ETag = strings.Trim(*r.S3.Object.ETag, `"`)
		}
		if t, err := time.Parse(time.RFC3339Nano, r.EventTime); err == nil {
			oe.Time = t
		}
		out = append(out, oe)
	}
	return out, nil
}

// source tells the senders apart: MinIO says so in eventSource; versitygw
// says "aws:s3" but names its global configuration "<backend>-global".
func source(eventSource, configID string) string {
	switch {
	case strings.HasPrefix(eventSource, "minio"):
		return "minio"
	case strings.HasSuffix(configID, "-global"):
		return "versitygw"
	}
	return "aws"
}

// decodeKey undoes each sender's key encoding. MinIO and AWS encode as a URL
// query value (space as '+'); versitygw sends the key as stored, so a '%'
// or '+' in it is literal.
func decodeKey(src, key string) (string, error) {
	if src == "versitygw" {
		return key, nil
	}
	return url.QueryUnescape(key)
}
