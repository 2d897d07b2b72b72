package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/cache"
	"github.com/dlfs/dlfs/blob/s3"
)

// sharedCache is one disk cache folder, shared by every S3 backend of the
// process that names it.
type sharedCache struct {
	dir   string
	cache *cache.Cache
	lock  *os.File // holds the folder's flock
	refs  int      // guarded by cachesMu
}

var (
	cachesMu sync.Mutex
	caches   = map[string]*sharedCache{}
)

// acquireCache returns the process's cache in dir, opening it (and taking
// its lock) on first use.
func acquireCache(dir string, maxBytes, minFree int64) (*sharedCache, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("cache %s: %w", dir, err)
	}
	cachesMu.Lock()
	defer cachesMu.Unlock()
	if sc, ok := caches[abs]; ok {
		sc.refs++
		return sc, nil
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("cache %s: %w", abs, err)
	}
	lock, err := os.OpenFile(filepath.Join(abs, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cache %s: %w", abs, err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("cache %s is in use by another dlfs process "+
			"(give this one its own --cache-dir): %w", abs, err)
	}
	c, err := cache.New(router{}, abs, maxBytes, minFree)
	if err != nil {
		lock.Close()
		return nil, err
	}
	sc := &sharedCache{dir: abs, cache: c, lock: lock, refs: 1}
	caches[abs] = sc
	return sc, nil
}

// release drops one reference; the last closes the cache and its lock.
func (sc *sharedCache) release() error {
	cachesMu.Lock()
	defer cachesMu.Unlock()
	sc.refs--
	if sc.refs > 0 {
		return nil
	}
	delete(caches, sc.dir)
	err := sc.cache.Close()
	sc.lock.Close()
	return err
}

// cachedS3 is an S3 store read through a shared disk cache. Linked keys
// get the bucket's id in the cache ("obj/ID/name") so that two buckets'
// objects of one name stay apart; content keys stay as they are, so the
// cache checks them against their hash.
type cachedS3 struct {
	s3     *s3.Store
	shared *sharedCache
	id     string
	closed atomic.Bool
}

var _ blob.Store = (*cachedS3)(nil)

const linkedKey = "obj/"

func (c *cachedS3) cacheKey(key string) string {
	if name, ok := strings.CutPrefix(key, linkedKey); ok {
		return linkedKey + c.id + "/" + name
	}
	return key
}

// route tells the router which store serves this call's misses.
func (c *cachedS3) route(ctx context.Context, p *openProbe) context.Context {
	if p == nil {
		p = &openProbe{}
	}
	p.store = c.s3
	return context.WithValue(ctx, routeKey{}, p)
}

// Put uploads to S3; the bytes are cached when first read.
func (c *cachedS3) Put(ctx context.Context, r io.Reader, size int64) (blob.Ref, error) {
	return c.s3.Put(ctx, r, size)
}

// Open opens key through the cache. A blob of more than one chunk that
// the cache did not know yet reads its first headerWindow bytes straight
// from S3, so a viewer reading a header does not fetch a whole chunk.
func (c *cachedS3) Open(ctx context.Context, key string) (blob.Reader, error) {
	p := &openProbe{}
	r, err := c.shared.cache.Open(c.route(ctx, p), c.cacheKey(key))
	if err != nil {
		return nil, err
	}
	direct := p.opened.Load()
	if direct == nil || r.Size() <= cache.ChunkSize {
		return &failFast{Reader: r}, nil
	}
	return &failFast{Reader: &headerFirst{Reader: r, direct: *direct}}, nil
}

// Stat answers from the cache where it knows the blob.
func (c *cachedS3) Stat(ctx context.Context, key string) (int64, error) {
	return c.shared.cache.Stat(c.route(ctx, nil), c.cacheKey(key))
}

// Delete removes the object and its cached chunks.
func (c *cachedS3) Delete(ctx context.Context, key string) error {
	return c.shared.cache.Delete(c.route(ctx, nil), c.cacheKey(key))
}

// Walk lists the content objects in S3.
func (c *cachedS3) Walk(ctx context.Context, fn func(key string, size int64) error) error {
	return c.s3.Walk(ctx, fn)
}

// Close closes the S3 store and lets go of the cache.
func (c *cachedS3) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	return errors.Join(c.shared.release(), c.s3.Close())
}

// S3 returns the S3 store under the cache.
func (c *cachedS3) S3() *s3.Store { return c.s3 }
