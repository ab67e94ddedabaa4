package telemetry

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the per-stage counters every stage runner updates, labelled
// by stage name.
type Metrics struct {
	// Processed counts messages a stage finished successfully
	// (digitiser_stage_processed_total).
	Processed *prometheus.CounterVec
	// Failed counts attempts that ended in an error
	// (digitiser_stage_failed_total).
	Failed *prometheus.CounterVec
	// Retried counts redeliveries a stage asked for or received
	// (digitiser_stage_retried_total).
	Retried *prometheus.CounterVec
	// Latency is the wall time of each attempt in seconds, 10 ms to ~20 min
	// (digitiser_stage_duration_seconds).
	Latency *prometheus.HistogramVec
	// InFlight is the number of messages being handled now
	// (digitiser_stage_in_flight).
	InFlight *prometheus.GaugeVec
	// HandedBack counts messages given back unfinished on shutdown for
	// another worker, which count neither as processed nor as failed
	// (digitiser_stage_handed_back_total).
	HandedBack *prometheus.CounterVec
}

// ErrHandedBack is the error a Begin done function takes for a message
// handed back unfinished on shutdown.
var ErrHandedBack = errors.New("handed back on shutdown")

// NewMetrics creates the stage metrics and registers them on reg. It fails
// when reg already holds metrics of the same names.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	label := []string{"stage"}
	m := &Metrics{
		Processed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digitiser_stage_processed_total",
			Help: "Messages a stage handled successfully.",
		}, label),
		Failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digitiser_stage_failed_total",
			Help: "Stage attempts that ended in an error.",
		}, label),
		Retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digitiser_stage_retried_total",
			Help: "Stage messages redelivered for another attempt.",
		}, label),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "digitiser_stage_duration_seconds",
			Help:    "Wall time of one stage attempt.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 12),
		}, label),
		InFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "digitiser_stage_in_flight",
			Help: "Messages a stage is handling now.",
		}, label),
		HandedBack: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digitiser_stage_handed_back_total",
			Help: "Stage messages handed back unfinished on shutdown.",
		}, label),
	}
	for _, c := range []prometheus.Collector{m.Processed, m.Failed, m.Retried,
		m.Latency, m.InFlight, m.HandedBack} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("telemetry: register metrics: %w", err)
		}
	}
	return m, nil
}

var (
	defaultOnce    sync.Once
	defaultMetrics *Metrics
)

// DefaultMetrics returns the process-wide stage metrics, registered once on
// prometheus.DefaultRegisterer, the registry ServeOps serves.
func DefaultMetrics() *Metrics {
	defaultOnce.Do(func() {
		m, err := NewMetrics(prometheus.DefaultRegisterer)
		if err != nil {
			panic(err) // only if someone else registered our names
		}
		defaultMetrics = m
	})
	return defaultMetrics
}

// Begin marks one message of stage as in flight; call the returned function
// with the attempt's error (nil on success) when it is done, exactly once.
// An error wrapping ErrHandedBack counts a hand-back: no latency, no
// success, no failure.
func (m *Metrics) Begin(stage string) (done func(err error)) {
	start := time.Now()
	m.InFlight.WithLabelValues(stage).Inc()
	return func(err error) {
		m.InFlight.WithLabelValues(stage).Dec()
		if errors.Is(err, ErrHandedBack) {
			m.HandedBack.WithLabelValues(stage).Inc()
			return
		}
		m.Latency.WithLabelValues(stage).Observe(time.Since(start).Seconds())
		if err != nil {
			m.Failed.WithLabelValues(stage).Inc()
			return
		}
		m.Processed.WithLabelValues(stage).Inc()
	}
}

// Retry counts one redelivery of a stage message.
func (m *Metrics) Retry(stage string) { m.Retried.WithLabelValues(stage).Inc() }
