package stack

import (
	"fmt"

	"github.com/nats-io/nats.go"
)

// startRelay forwards the inbox bucket's object-created events from
// RawEventSubject to EventSubject, unchanged.
//
// versitygw v1.8.0 has no per-bucket notification configuration
// (PutBucketNotificationConfiguration answers NotImplemented): its NATS
// sender publishes the events of every bucket on one topic, limited only by
// the gateway-wide event filter file. Without this relay the ingest stream
// would also receive an event for every intermediate a stage writes into the
// work bucket. Payloads that do not parse (the gateway's start-up test
// event among them) are dropped.
func (st *Stack) startRelay() (*nats.Conn, error) {
	nc, err := nats.Connect(st.NATSURL, nats.Name("digitiser-stack-relay"))
	if err != nil {
		return nil, fmt.Errorf("relay: connect %s: %w", st.NATSURL, err)
	}
	subject := st.EventSubject
	_, err = nc.Subscribe(RawEventSubject, func(m *nats.Msg) {
		events, err := ParseS3Event(m.Data)
		if err != nil || len(events) == 0 {
			return
		}
		for _, ev := range events {
			if ev.Bucket != BucketInbox || !ev.Created() {
				return
			}
		}
		if err := nc.Publish(subject, m.Data); err != nil {
			st.log.Warn("relay bucket event", "subject", subject, "error", err)
		}
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("relay: subscribe %s: %w", RawEventSubject, err)
	}
	if err := nc.Flush(); err != nil {
		nc.Close()
		return nil, fmt.Errorf("relay: flush: %w", err)
	}
	return nc, nil
}
