package cache

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/dlfs/dlfs/blob"
)

// ChunkSize is the length of every cached chunk but a blob's last.
const ChunkSize = 4 << 20

// backgroundWrites bounds the fetched chunks waiting to be written, so a
// reader does not wait for the disk unless it falls that far behind.
const backgroundWrites = 4

// Cache is a blob.Store that serves reads of inner through a chunked disk
// cache. All methods may be called concurrently.
type Cache struct {
	// read-only after New
	inner    blob.Store
	dir      string
	maxBytes int64
	minFree  int64

	mu      sync.Mutex // protects the following
	blobs   map[string]*blobEntry
	chunks  map[chunkID]*chunkEntry
	lru     *list.List // of *chunkEntry, most recently used first
	used    int64      // bytes of chunk files, plus space reserved for fills
	pending int64      // reserved bytes not yet written
	fills   map[chunkID]*fill

	background sync.WaitGroup // chunk writes and whole-blob checks
	writers    chan struct{}  // slots for chunk writes in the background
	stats      counters
}

// blobEntry is one blob known to the cache.
type blobEntry struct {
	key      string
	hash     string // sha256 of key: the blob's folder name
	size     int64
	pins     int  // open Readers
	filling  int  // chunks being fetched or written
	chunks   int  // cached chunks
	metaSet  bool // the meta file is written
	verified bool // whole content checked against a content key
}

func (b *blobEntry) chunkCount() int64 { return (b.size + ChunkSize - 1) / ChunkSize }

type chunkID struct {
	hash  string
	index int64
}

type chunkEntry struct {
	id       chunkID
	blob     *blobEntry
	size     int64 // file length, CRC included
	elem     *list.Element
	checked  bool // the file passed its CRC check since New
	checking bool // a check ahead of the reads is running
}

// fill is a chunk being fetched from the inner store, then written to
// disk; readers that ask meanwhile share its data once done is closed.
type fill struct {
	done chan struct{}
	data []byte
	err  error
}

var _ blob.Store = (*Cache)(nil)

// New opens the cache in dir (created when missing) over inner, keeping at
// most maxBytes of chunks and at least minFree bytes free on dir's file
// system. Chunks already in dir are indexed again.
func New(inner blob.Store, dir string, maxBytes, minFree int64) (*Cache, error) {
	if maxBytes <= 0 {
		return nil, fmt.Errorf("cache %s: size limit %d must be positive", dir, maxBytes)
	}
	c := &Cache{
		inner: inner, dir: dir, maxBytes: maxBytes, minFree: minFree,
		blobs:   make(map[string]*blobEntry),
		chunks:  make(map[chunkID]*chunkEntry),
		lru:     list.New(),
		fills:   make(map[chunkID]*fill),
		writers: make(chan struct{}, backgroundWrites),
	}
	for _, d := range []string{c.tmpDir(), c.blobsDir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("cache %s: %w", dir, err)
		}
	}
	if err := c.rebuild(); err != nil {
		return nil, fmt.Errorf("cache %s: rebuild index: %w", dir, err)
	}
	return c, nil
}

func (c *Cache) blobsDir() string { return filepath.Join(c.dir, "blobs") }
func (c *Cache) tmpDir() string   { return filepath.Join(c.dir, "tmp") }

func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func (c *Cache) blobDir(hash string) string {
	return filepath.Join(c.blobsDir(), hash[:2], hash)
}

func (c *Cache) chunkPath(id chunkID) string {
	return filepath.Join(c.blobDir(id.hash), fmt.Sprint(id.index))
}

// Open returns a Reader over key, pinning the blob until Close. A blob
// the cache knows opens without asking the inner store; the inner store
// is opened when a read first misses.
func (c *Cache) Open(ctx context.Context, key string) (blob.Reader, error) {
	c.mu.Lock()
	b, ok := c.blobs[key]
	if ok {
		b.pins++
		c.mu.Unlock()
		return &reader{c: c, b: b, ctx: context.WithoutCancel(ctx), index: -1, fdIndex: -1}, nil
	}
	c.mu.Unlock()

	in, err := c.inner.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	b = c.blobLocked(key, in.Size())
	b.pins++
	c.mu.Unlock()
	return &reader{c: c, b: b, ctx: context.WithoutCancel(ctx), inner: in, index: -1, fdIndex: -1}, nil
}

// blobLocked returns key's entry, adding it when missing.
func (c *Cache) blobLocked(key string, size int64) *blobEntry {
	b, ok := c.blobs[key]
	if !ok {
		b = &blobEntry{key: key, hash: keyHash(key), size: size}
		c.blobs[key] = b
	}
	return b
}

// Put stores r in the inner store; the bytes are cached when read.
func (c *Cache) Put(ctx context.Context, r io.Reader, size int64) (blob.Ref, error) {
	return c.inner.Put(ctx, r, size)
}

// Stat answers from the cache where it knows the blob.
func (c *Cache) Stat(ctx context.Context, key string) (int64, error) {
	c.mu.Lock()
	b, ok := c.blobs[key]
	c.mu.Unlock()
	if ok {
		return b.size, nil
	}
	return c.inner.Stat(ctx, key)
}

// Delete removes the blob from the inner store and its chunks from the
// cache.
func (c *Cache) Delete(ctx context.Context, key string) error {
	if err := c.inner.Delete(ctx, key); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.blobs[key]; ok {
		c.dropBlobLocked(b)
	}
	return nil
}

// Walk walks the inner store.
func (c *Cache) Walk(ctx context.Context, fn func(key string, size int64) error) error {
	return c.inner.Walk(ctx, fn)
}

// Close waits for background writes and checks, and closes the inner
// store. The files stay for the next New.
func (c *Cache) Close() error {
	c.background.Wait()
	return c.inner.Close()
}

// Stats counts what the cache did since New.
type Stats struct {
	Hits      int64 // chunk loads served without the inner store
	Misses    int64 // chunk loads fetched from the inner store
	Bypassed  int64 // fetched chunks not kept, for lack of room
	Evictions int64 // chunks evicted
	Corrupt   int64 // chunks or whole blobs that failed their check
	Bytes     int64 // bytes of chunk files now, reservations included
	Chunks    int64 // chunk files now
}

type counters struct {
	hits, misses, bypassed, evictions, corrupt atomic.Int64
}

// Stats returns the counters and the current size.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	used, n := c.used, int64(len(c.chunks))
	c.mu.Unlock()
	return Stats{
		Hits: c.stats.hits.Load(), Misses: c.stats.misses.Load(),
		Bypassed: c.stats.bypassed.Load(), Evictions: c.stats.evictions.Load(),
		Corrupt: c.stats.corrupt.Load(), Bytes: used, Chunks: n,
	}
}

// errCorrupt marks a chunk or blob whose bytes fail their check.
var errCorrupt = errors.New("cached bytes fail their check")
