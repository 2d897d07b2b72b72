package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/s3"
)

// routeKey is the context key of an *openProbe.
type routeKey struct{}

// openProbe rides in the context of a call into the shared cache: it names
// the S3 store that serves the call's misses, and records the reader the
// cache opened on it, if any.
type openProbe struct {
	store  *s3.Store
	opened atomic.Pointer[blob.Reader]
}

// router is the inner store of a shared cache. The cache calls it with the
// context it was called with (or, for later misses of a Reader, that
// context without its cancellation, values kept), so the store to ask is
// found there. A linked cache key "obj/ID/name" is "obj/name" in S3.
type router struct{}

var _ blob.Store = router{}

func (router) target(ctx context.Context, key string) (*openProbe, string, error) {
	p, _ := ctx.Value(routeKey{}).(*openProbe)
	if p == nil || p.store == nil {
		return nil, "", fmt.Errorf("shared cache: no S3 store for %s", key)
	}
	if rest, ok := strings.CutPrefix(key, linkedKey); ok {
		_, name, found := strings.Cut(rest, "/")
		if !found {
			return nil, "", fmt.Errorf("shared cache: bad linked key %q: %w", key,
				blob.ErrNotFound)
		}
		key = linkedKey + name
	}
	return p, key, nil
}

func (r router) Open(ctx context.Context, key string) (blob.Reader, error) {
	p, key, err := r.target(ctx, key)
	if err != nil {
		return nil, err
	}
	in, err := p.store.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	p.opened.CompareAndSwap(nil, &in)
	return in, nil
}

func (r router) Stat(ctx context.Context, key string) (int64, error) {
	p, key, err := r.target(ctx, key)
	if err != nil {
		return 0, err
	}
	return p.store.Stat(ctx, key)
}

func (r router) Delete(ctx context.Context, key string) error {
	p, key, err := r.target(ctx, key)
	if err != nil {
		return err
	}
	return p.store.Delete(ctx, key)
}

// Put is never called: cachedS3 puts to its own store.
func (router) Put(context.Context, io.Reader, int64) (blob.Ref, error) {
	return blob.Ref{}, fmt.Errorf("shared cache: put goes to the S3 store: %w", blob.ErrReadOnly)
}

// Walk is never called: cachedS3 walks its own store.
func (router) Walk(context.Context, func(string, int64) error) error {
	return fmt.Errorf("shared cache: walk goes to the S3 store: %w", blob.ErrReadOnly)
}

// Close is a no-op: every cachedS3 closes its own store.
func (router) Close() error { return nil }

// headerWindow is how far from its start a blob is read straight from S3
// while its reads have not gone past it.
const headerWindow = 256 << 10

// headerFirst reads the start of a large, uncached blob with small ranged
// GETs of the S3 reader the cache opened, and the rest through the cache:
// probing a video's header costs its header, not a 4 MiB chunk. direct
// belongs to the cache's reader and closes with it.
type headerFirst struct {
	blob.Reader
	direct blob.Reader

	mu     sync.Mutex
	passed bool // a read went past headerWindow: the cache serves all
}

func (h *headerFirst) ReadAt(p []byte, off int64) (int, error) {
	h.mu.Lock()
	if off+int64(len(p)) > headerWindow {
		h.passed = true
	}
	passed := h.passed
	h.mu.Unlock()
	if passed {
		return h.Reader.ReadAt(p, off)
	}
	return h.direct.ReadAt(p, off)
}

// failFastWindow is how long after a read failed for want of the backend
// a Reader answers the same error at once.
const failFastWindow = time.Second

// failFast answers at once, for failFastWindow, the error of a read that
// found the backend unavailable. When the kernel's read-ahead of a page
// fails it reads that page again before it answers EIO; without this, a
// read would wait out the retry time twice.
type failFast struct {
	blob.Reader

	mu       sync.Mutex
	failedAt time.Time
	err      error
}

func (f *failFast) ReadAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	if f.err != nil && time.Since(f.failedAt) < failFastWindow {
		err := f.err
		f.mu.Unlock()
		return 0, err
	}
	f.mu.Unlock()
	n, err := f.Reader.ReadAt(p, off)
	if errors.Is(err, blob.ErrUnavailable) {
		f.mu.Lock()
		f.failedAt, f.err = time.Now(), err
		f.mu.Unlock()
	}
	return n, err
}

// ChunkFd hands the filesystem a cached chunk's file to splice from.
func (h *headerFirst) ChunkFd(off int64, n int) (blob.FileSpan, bool) {
	if c, ok := h.Reader.(blob.ChunkFder); ok {
		return c.ChunkFd(off, n)
	}
	return blob.FileSpan{}, false
}

// ChunkFd hands the filesystem a cached chunk's file to splice from.
func (f *failFast) ChunkFd(off int64, n int) (blob.FileSpan, bool) {
	if c, ok := f.Reader.(blob.ChunkFder); ok {
		return c.ChunkFd(off, n)
	}
	return blob.FileSpan{}, false
}
