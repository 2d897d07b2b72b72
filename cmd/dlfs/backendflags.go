package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/backend"
	"github.com/dlfs/dlfs/ingest"
	"github.com/dlfs/dlfs/meta"
)

// Defaults of the disk cache of remote (S3) blobs in a mount.
const (
	defaultCacheMaxSize = "10G"
	defaultCacheMinFree = "1G"
)

// s3FaultFlags bound how long S3 requests may take; zero keeps the
// dataset URL's request_timeout and max_retry_time, or the defaults.
func s3FaultFlags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "s3-request-timeout", Usage: "cut and retry an S3 request " +
			"that makes no progress for this long (default: the URL's request_timeout, or 20s)"},
		&cli.DurationFlag{Name: "s3-max-retry-time", Usage: "give up on an S3 operation " +
			"after retrying this long; a read then fails with EIO (default: the URL's " +
			"max_retry_time, or 60s)"},
	}
}

// importBackendFlags are the import flags that pick a new dataset's backend.
func importBackendFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "backend", Usage: "store a new dataset's bytes in `URL`: " +
			"s3://BUCKET/PREFIX?endpoint=http://HOST:PORT&region=R&path_style=true " +
			"(default: local, the store's own folder)"},
	}, s3FaultFlags()...)
}

// mountBackendFlags are the mount flags of remote backends.
func mountBackendFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "cache-dir", Usage: "keep S3 bytes read in `DIR` " +
			"(default: STORE/cache)"},
		&cli.StringFlag{Name: "cache-max-size", Value: defaultCacheMaxSize,
			Usage: "the disk cache holds at most `SIZE` (K, M, G, T: powers of 1024); " +
				"0 turns the cache off"},
		&cli.StringFlag{Name: "cache-min-free", Value: defaultCacheMinFree,
			Usage: "the disk cache leaves at least `SIZE` free on its file system"},
	}, s3FaultFlags()...)
}

// backendOptions reads the backend flags. The mount's disk cache is off
// for import (withCache false) and when --cache-max-size is 0.
func backendOptions(c *cli.Context, withCache bool) (backend.Options, error) {
	dir, err := storeDir(c)
	if err != nil {
		return backend.Options{}, err
	}
	opt := backend.Options{
		RequestTimeout: c.Duration("s3-request-timeout"),
		MaxRetryTime:   c.Duration("s3-max-retry-time"),
		StagingDir:     filepath.Join(dir, "staging"),
	}
	if !withCache {
		return opt, nil
	}
	if opt.CacheMaxSize, err = parseSize(c.String("cache-max-size")); err != nil {
		return opt, fmt.Errorf("--cache-max-size: %w", err)
	}
	if opt.CacheMinFree, err = parseSize(c.String("cache-min-free")); err != nil {
		return opt, fmt.Errorf("--cache-min-free: %w", err)
	}
	if opt.CacheMaxSize > 0 {
		opt.CacheDir = c.String("cache-dir")
		if opt.CacheDir == "" {
			opt.CacheDir = filepath.Join(dir, "cache")
		}
	}
	return opt, nil
}

// parseSize reads a byte count such as 20G, 512M, 1.5T or 1048576.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	mult := int64(1)
	if n := len(t); n > 0 {
		if i := strings.IndexByte("KMGTP", t[n-1]); i >= 0 {
			mult = int64(1) << (10 * (i + 1))
			t = t[:n-1]
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("size %q: want a number with an optional K, M, G or T", s)
	}
	return int64(v * float64(mult)), nil
}

// remoteBlobs holds the remote backends a mount opened at start, so that
// bad credentials or a missing bucket stop the mount at once, not at the
// first read; the filesystem takes each on first use.
type remoteBlobs struct {
	cat *meta.Catalog
	opt backend.Options

	mu     sync.Mutex
	open   map[string]blob.Store // dataset id -> store not taken yet
	failed map[string]error      // dataset id -> why it did not open
}

// openRemoteBackends opens the remote backend of ds, or of every dataset
// when ds is nil. A mount of one dataset fails when its backend does not
// open; a mount of all logs the failure and answers that dataset's reads
// with the error.
func openRemoteBackends(ctx context.Context, cat *meta.Catalog, ds *meta.Dataset,
	opt backend.Options) (*remoteBlobs, error) {
	rb := &remoteBlobs{cat: cat, opt: opt, open: map[string]blob.Store{},
		failed: map[string]error{}}
	all := []*meta.Dataset{ds}
	if ds == nil {
		var err error
		if all, err = cat.Datasets(); err != nil {
			return nil, fmt.Errorf("mount: %w", err)
		}
	}
	for _, d := range all {
		if !backend.IsRemote(d.Backend) {
			continue
		}
		start := time.Now()
		st, err := openBlobs(ctx, cat, d, opt)
		if err != nil && ds != nil {
			rb.closeUnused()
			return nil, fmt.Errorf("mount: dataset %s: %w", d.Name, err)
		}
		if err != nil {
			logger.Error("dataset backend does not open; its files will fail to read",
				"dataset", d.Name, "err", err)
			rb.failed[d.ID] = err
			continue
		}
		logger.Info("backend ready", "dataset", d.Name, "backend", d.Backend,
			"cache", opt.CacheDir, "took", time.Since(start).Round(time.Millisecond))
		rb.open[d.ID] = st
	}
	return rb, nil
}

// blobs is the filesystem's Blobs function: a store opened at start, or
// the dataset's backend opened now.
func (rb *remoteBlobs) blobs(ctx context.Context, ds *meta.Dataset) (blob.Store, error) {
	rb.mu.Lock()
	st, ok := rb.open[ds.ID]
	delete(rb.open, ds.ID)
	err := rb.failed[ds.ID]
	rb.mu.Unlock()
	switch {
	case ok:
		return st, nil
	case err != nil:
		return nil, err
	}
	return openBlobs(ctx, rb.cat, ds, rb.opt)
}

// closeUnused closes the stores the filesystem never took.
func (rb *remoteBlobs) closeUnused() {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	for id, st := range rb.open {
		st.Close()
		delete(rb.open, id)
	}
}

// isS3Link tells whether an import links the objects of a bucket in place.
func isS3Link(opt importOptions) bool {
	return opt.link && strings.HasPrefix(opt.src, backend.S3Scheme)
}

// checkImportBackend opens the backend an import names (--backend, or the
// bucket of --link s3://) before a dataset is created on it, so that bad
// credentials or a missing bucket leave no dataset behind.
func checkImportBackend(c *cli.Context, opt importOptions) error {
	spec := opt.backend
	if isS3Link(opt) {
		spec = opt.src
	}
	if spec == "" {
		return nil
	}
	if opt.link && opt.backend != "" {
		return fmt.Errorf("import: --link and --backend exclude each other")
	}
	if !backend.IsRemote(spec) {
		return fmt.Errorf("import: --backend %q: want s3://BUCKET/PREFIX?endpoint=...", spec)
	}
	bopt, err := backendOptions(c, false)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	st, err := backend.Open(c.Context, spec, "", bopt)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return st.Close()
}

// importFrom runs the import: objects of a bucket for --link s3://, else
// the folder or export at opt.src.
func importFrom(ctx context.Context, im *ingest.Importer, opt importOptions) (
	*ingest.Result, error) {
	if !isS3Link(opt) {
		return im.Import(ctx, opt.src)
	}
	u, err := url.Parse(opt.src)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", opt.src, err)
	}
	return im.ImportObjects(ctx, u.Path)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// mountReadAheadKiB is the kernel read-ahead a mount asks for: what fs
// offers (MaxReadAhead), so that a sequential read arrives in 1 MiB
// requests rather than 128 KiB ones.
const mountReadAheadKiB = 1024

// raiseReadAhead sets the read-ahead of the mount at dir. Linux starts a
// FUSE mount at 128 KiB whatever the filesystem offers, and only root may
// raise it (in /sys/class/bdi); without the right the mount keeps 128 KiB.
func raiseReadAhead(dir string) {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		logger.Debug("read-ahead: stat of the mount failed", "err", err)
		return
	}
	p := fmt.Sprintf("/sys/class/bdi/%d:%d/read_ahead_kb", unix.Major(st.Dev), unix.Minor(st.Dev))
	if err := os.WriteFile(p, []byte(strconv.Itoa(mountReadAheadKiB)), 0); err != nil {
		logger.Debug("read-ahead stays at the kernel's default", "file", p, "err", err)
	}
}
