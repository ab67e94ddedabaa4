package telemetry

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func TestHeaderCarrierRoundTrip(t *testing.T) {
	otel.SetTextMapPropagator(propagation.TraceContext{})
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("t").Start(context.Background(), "publish")
	defer span.End()
	want := span.SpanContext()

	msg := nats.NewMsg("stage.segment")
	msg.Header = nil
	Inject(ctx, msg)
	tp0 := msg.Header.Get("traceparent")
	if tp0 == "" {
		t.Fatalf("Inject wrote no traceparent: %v", msg.Header)
	}

	cases := map[string]nats.Header{
		"as injected": msg.Header,
		"Title-Case":  {"Traceparent": {tp0}},
		"UPPER":       {"TRACEPARENT": {tp0}},
	}
	for name, h := range cases {
		got := trace.SpanContextFromContext(Extract(context.Background(), h))
		if got.TraceID() != want.TraceID() || got.SpanID() != want.SpanID() {
			t.Errorf("%s: extracted %v/%v, want %v/%v", name, got.TraceID(), got.SpanID(),
				want.TraceID(), want.SpanID())
		}
	}

	none := trace.SpanContextFromContext(Extract(context.Background(), nats.Header{}))
	if none.IsValid() {
		t.Errorf("empty header gave a valid span context %v", none)
	}
}

func TestHeaderCarrierSetReplacesOtherCase(t *testing.T) {
	h := nats.Header{"Traceparent": {"old"}, "Other": {"x"}}
	c := HeaderCarrier(h)
	c.Set("traceparent", "new")
	if len(h) != 2 || h["traceparent"][0] != "new" || h["Traceparent"] != nil {
		t.Fatalf("after Set: %v, want one traceparent=new and Other", h)
	}
	if c.Get("TRACEPARENT") != "new" || c.Get("missing") != "" {
		t.Fatalf("Get folded wrong: %q %q", c.Get("TRACEPARENT"), c.Get("missing"))
	}
	if len(c.Keys()) != 2 {
		t.Fatalf("Keys() = %v", c.Keys())
	}
}
