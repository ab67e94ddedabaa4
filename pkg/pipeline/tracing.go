package pipeline

import (
	"context"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/propagation"

	"github.com/welllog/digitiser/pkg/telemetry"
)

// Propagator carries the job's trace context in NATS headers (W3C trace
// context).
var Propagator propagation.TextMapPropagator = propagation.TraceContext{}

// HeaderCarrier adapts NATS headers for Propagator, finding keys whatever
// their case.
func HeaderCarrier(h nats.Header) propagation.TextMapCarrier {
	if h == nil {
		h = nats.Header{}
	}
	return telemetry.HeaderCarrier(h)
}

// rootHeaders returns fresh headers carrying only the trace context found
// in h: the job's root span, which every stage span is a child of.
func rootHeaders(h nats.Header) nats.Header {
	ctx := Propagator.Extract(context.Background(), HeaderCarrier(h))
	out := nats.Header{}
	Propagator.Inject(ctx, HeaderCarrier(out))
	return out
}
