package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ServeOps serves the operations endpoints on addr ("127.0.0.1:9090") until
// ctx ends, then shuts down gracefully and returns nil:
//
//   - /healthz answers 200 while the process runs;
//   - /readyz answers 200 when ready returns nil (or ready is nil), else 503
//     with the error;
//   - /metrics serves prometheus.DefaultGatherer (DefaultMetrics included).
//
// It returns the listen error when addr cannot be bound.
func ServeOps(ctx context.Context, addr string, ready func() error) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("telemetry: ops listen %s: %w", addr, err)
	}
	return ServeOpsListener(ctx, ln, ready)
}

// ServeOpsListener is ServeOps on an open listener (a test's ":0" port). It
// closes ln.
func ServeOpsListener(ctx context.Context, ln net.Listener, ready func() error) error {
	srv := &http.Server{Handler: OpsHandler(ready), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("telemetry: ops server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("telemetry: ops shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("telemetry: ops server: %w", err)
	}
	return nil
}

// OpsHandler is the mux ServeOps serves, for mounting on another server.
func OpsHandler(ready func() error) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if ready != nil {
			if err := ready(); err != nil {
				http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(prometheus.DefaultGatherer,
		promhttp.HandlerOpts{}))
	return mux
}
