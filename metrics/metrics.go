package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds a mount's counters. It is safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	opSeconds   *prometheus.HistogramVec
	opErrors    *prometheus.CounterVec
	readBytes   prometheus.Counter
	writeBytes  prometheus.Counter
	backendReqs *prometheus.CounterVec
	backendErrs *prometheus.CounterVec
	backendRead *prometheus.CounterVec

	readTotal atomic.Uint64
	opCounts  sync.Map // op name -> *atomic.Uint64, for OpCounts

	mu     sync.Mutex // protects the functions below
	caches func() []CacheStats
	cat    *catalogCollector
}

// CacheStats is what a disk cache reports (see blob/cache.Stats).
type CacheStats struct {
	Hits, Misses, Evictions, Bytes int64
}

// New returns fresh counters in their own registry, with Go runtime and
// process metrics beside them.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.opSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "dlfs_fuse_operation_duration_seconds",
		Help: "Time taken to answer FUSE operations, by operation.",
		Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025,
			.05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"op"})
	m.opErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dlfs_fuse_operation_errors_total",
		Help: "FUSE operations answered with an error, by operation and errno.",
	}, []string{"op", "errno"})
	m.readBytes = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "dlfs_read_bytes_total", Help: "Bytes read from files through FUSE."})
	m.writeBytes = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "dlfs_written_bytes_total", Help: "Bytes written to files through FUSE."})
	m.backendReqs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dlfs_backend_requests_total",
		Help: "Calls to the blob backends, by backend kind and method.",
	}, []string{"backend", "method"})
	m.backendErrs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dlfs_backend_errors_total",
		Help: "Failed calls to the blob backends, by backend kind and method.",
	}, []string{"backend", "method"})
	m.backendRead = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dlfs_backend_read_bytes_total",
		Help: "Bytes read from the blob backends by ranged reads (not spliced local files).",
	}, []string{"backend"})
	m.reg.MustRegister(m.opSeconds, m.opErrors, m.readBytes, m.writeBytes,
		m.backendReqs, m.backendErrs, m.backendRead,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registerCacheFuncs()
	return m
}

// registerCacheFuncs adds the disk cache metrics, read at scrape time.
func (m *Metrics) registerCacheFuncs() {
	sum := func(f func(CacheStats) int64) func() float64 {
		return func() float64 {
			var n int64
			for _, s := range m.cacheStats() {
				n += f(s)
			}
			return float64(n)
		}
	}
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "dlfs_cache_hits_total",
			Help: "Chunk loads served by the disk cache."},
			sum(func(s CacheStats) int64 { return s.Hits })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "dlfs_cache_misses_total",
			Help: "Chunk loads the disk cache fetched from its backend."},
			sum(func(s CacheStats) int64 { return s.Misses })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "dlfs_cache_evictions_total",
			Help: "Chunks evicted from the disk cache."},
			sum(func(s CacheStats) int64 { return s.Evictions })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "dlfs_cache_bytes",
			Help: "Bytes held by the disk cache."},
			sum(func(s CacheStats) int64 { return s.Bytes })),
	)
}

// SetCaches sets the function that reports the disk caches in use.
func (m *Metrics) SetCaches(f func() []CacheStats) {
	m.mu.Lock()
	m.caches = f
	m.mu.Unlock()
}

func (m *Metrics) cacheStats() []CacheStats {
	m.mu.Lock()
	f := m.caches
	m.mu.Unlock()
	if f == nil {
		return nil
	}
	return f()
}

// CacheTotals sums the disk caches' counters.
func (m *Metrics) CacheTotals() CacheStats {
	var t CacheStats
	for _, s := range m.cacheStats() {
		t.Hits += s.Hits
		t.Misses += s.Misses
		t.Evictions += s.Evictions
		t.Bytes += s.Bytes
	}
	return t
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Serve serves the metrics at http://addr/metrics until ctx ends. It
// returns once the address is listened on, with the address (the port
// chosen when addr asks for port 0).
func (m *Metrics) Serve(ctx context.Context, addr string, log *slog.Logger) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics server stopped", "addr", addr, "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return ln.Addr().String(), nil
}

// countOp adds one operation of kind op.
func (m *Metrics) countOp(op string) {
	v, ok := m.opCounts.Load(op)
	if !ok {
		v, _ = m.opCounts.LoadOrStore(op, new(atomic.Uint64))
	}
	v.(*atomic.Uint64).Add(1)
}

// OpCounts returns the number of FUSE operations answered, by kind.
func (m *Metrics) OpCounts() map[string]uint64 {
	out := map[string]uint64{}
	m.opCounts.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Uint64).Load()
		return true
	})
	return out
}

// BytesRead returns the bytes read from files through FUSE.
func (m *Metrics) BytesRead() uint64 { return m.readTotal.Load() }

// sortedKeys returns the keys of a map in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
