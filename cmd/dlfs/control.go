package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/cache"
	"github.com/dlfs/dlfs/control"
	dlfs "github.com/dlfs/dlfs/fs"
	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/metrics"
)

// mountOps is what a mount serves beside the filesystem: its control
// socket (forwarded commands, status), its metrics, its readiness
// notices, and kernel notifications for changes made by forwarded
// commands.
type mountOps struct {
	c       *cli.Context
	cat     *meta.Catalog
	metrics *metrics.Metrics
	status  control.Status // read-only once ready
	ctx     context.Context
	cancel  context.CancelFunc

	srv        *dlfs.Server
	ctl        *control.Server
	unregister func()
	watchDone  chan struct{}

	runMu      sync.Mutex   // serialises forwarded commands
	forwarding atomic.Int32 // forwarded commands running (kernel notices)

	storesMu sync.Mutex // protects stores
	stores   []blob.Store
}

func mountOpsFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "daemon", Aliases: []string{"D"},
			Usage: "run in the background; return once the mount is ready"},
		&cli.StringFlag{Name: "metrics", Usage: "serve Prometheus metrics at " +
			"http://`ADDR`/metrics (e.g. 127.0.0.1:9464)"},
	}
}

// newMountOps prepares fopt for metrics: the FUSE operations are timed
// and the blob backends counted.
func newMountOps(c *cli.Context, cat *meta.Catalog, fopt *dlfs.Options, mountpoint string) *mountOps {
	o := &mountOps{c: c, cat: cat, metrics: metrics.New()}
	o.ctx, o.cancel = context.WithCancel(context.Background())
	if c.Bool("debug-fuse") && !logger.Enabled(o.ctx, slog.LevelDebug) {
		logger.Warn("--debug-fuse logs at debug level: add the global --debug to see it")
	}
	fopt.Instrument = o.metrics.InstrumentFS
	inner := fopt.Blobs
	fopt.Blobs = func(ctx context.Context, ds *meta.Dataset) (blob.Store, error) {
		s, err := inner(ctx, ds)
		if err != nil {
			return nil, err
		}
		o.storesMu.Lock()
		o.stores = append(o.stores, s)
		o.storesMu.Unlock()
		return o.metrics.InstrumentStore(backendKind(ds.Backend), s), nil
	}
	o.metrics.SetCaches(o.cacheStats)
	o.metrics.SetCatalog(o.countItems)
	mp, _ := filepath.Abs(mountpoint)
	o.status = control.Status{PID: os.Getpid(), Store: cat.Dir(), Mountpoint: mp,
		ReadOnly: fopt.ReadOnly, Started: time.Now(), LogFile: os.Getenv(logFileEnv)}
	if fopt.Dataset != nil {
		o.status.Dataset = fopt.Dataset.Name
	}
	return o
}

// ready starts the control socket, the metrics server and the kernel
// notices, then tells whoever waits (dlfs mount --daemon, systemd) that
// the mount is ready.
func (o *mountOps) ready(srv *dlfs.Server) error {
	o.srv = srv
	if addr := o.c.String("metrics"); addr != "" {
		got, err := o.metrics.Serve(o.ctx, addr, logger)
		if err != nil {
			return err
		}
		o.status.Metrics = got
		logger.Info("serving metrics", "url", "http://"+got+"/metrics")
	}
	ctl, err := control.Listen(o.cat.Dir(), o, logger)
	if err != nil {
		return err
	}
	o.ctl = ctl
	o.unregister, err = control.Register(o.status.Store)
	if err != nil {
		logger.Warn("dlfs status will not list this mount", "err", err)
	}
	o.watchDone = make(chan struct{})
	go func() {
		defer close(o.watchDone)
		o.cat.Watch(o.ctx, o.notifyKernel)
	}()
	o.waitWatching()
	notifyReady()
	return nil
}

// waitWatching returns once the catalog watch sees commits (a barrier
// passes), so that no forwarded command commits before it, or after 5 s.
func (o *mountOps) waitWatching() {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(o.ctx, 100*time.Millisecond)
		err := o.cat.Barrier(ctx)
		cancel()
		if err == nil {
			return
		}
	}
	logger.Warn("the catalog watch did not start; imports through the mount may show late")
}

// close stops what ready started; forwarded commands still running are
// cancelled and waited for.
func (o *mountOps) close() {
	notifyStopping()
	o.cancel()
	if o.ctl != nil {
		o.ctl.Close()
	}
	if o.unregister != nil {
		o.unregister()
	}
	if o.watchDone != nil {
		<-o.watchDone
	}
}

// notifyKernel tells the kernel of a catalog change made while a
// forwarded command runs; the mount's own writes need no notice.
func (o *mountOps) notifyKernel(ch meta.Change) {
	if o.forwarding.Load() > 0 {
		o.srv.Invalidate(ch.DatasetID, ch.Dir, ch.Name)
	}
}

// Status describes the mount for dlfs status.
func (o *mountOps) Status() control.Status {
	st := o.status
	st.Operations = o.metrics.OpCounts()
	st.BytesRead = o.metrics.BytesRead()
	t := o.metrics.CacheTotals()
	st.CacheBytes, st.CacheHits, st.CacheMisses = t.Bytes, t.Hits, t.Misses
	return st
}

// cacheStats reports the disk caches of the opened backends.
func (o *mountOps) cacheStats() []metrics.CacheStats {
	o.storesMu.Lock()
	defer o.storesMu.Unlock()
	var out []metrics.CacheStats
	for _, s := range o.stores {
		if c, ok := s.(interface{ Stats() cache.Stats }); ok {
			st := c.Stats()
			out = append(out, metrics.CacheStats{Hits: st.Hits, Misses: st.Misses,
				Evictions: st.Evictions, Bytes: st.Bytes})
		}
	}
	return out
}

// countItems counts the items of every dataset, for the metrics.
func (o *mountOps) countItems() (map[string]int, error) {
	all, err := o.cat.Datasets()
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(all))
	for _, ds := range all {
		if out[ds.Name], err = o.cat.CountItems(ds.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// backendKind names a backend spec's kind for the metrics.
func backendKind(spec string) string {
	if spec == "" {
		return "local"
	}
	kind, _, _ := strings.Cut(spec, ":")
	return kind
}
