package previewcache

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// DefaultMaxBytes is the cache's default cap on the total size of its files.
const DefaultMaxBytes = 2 << 30

// DefaultWorkers is how many previews render at once by default: the
// machines dlfs targets have few cores, and a listing must leave room for
// the reads it serves.
const DefaultWorkers = 2

// touchEvery is how stale a file's time may get before a use refreshes it.
const touchEvery = time.Hour

// tmpPrefix starts the names of files being written.
const tmpPrefix = ".tmp-"

// Options configure a Cache.
type Options struct {
	// MaxBytes caps the total size of the cached files; 0 means
	// DefaultMaxBytes. The newest file is kept even when it alone is larger.
	MaxBytes int64
	// Workers bounds the renderings running at once; 0 means
	// DefaultWorkers.
	Workers int
	// Logger receives evictions and failures; nil discards them.
	Logger *slog.Logger
}

// Entry is a cached preview.
type Entry struct {
	Path string // the file holding the preview
	Size int64  // its length in bytes
}

// Cache is a bounded folder of rendered previews. All methods may be called
// concurrently.
type Cache struct {
	dir  string        // read-only
	max  int64         // read-only
	log  *slog.Logger  // read-only
	work chan struct{} // one token per rendering allowed at once

	mu      sync.Mutex               // protects the fields below
	entries map[string]*list.Element // key -> element holding *entry
	lru     *list.List               // most recently used first
	total   int64
	flights map[string]*flight
}

// entry is one cached file.
type entry struct {
	key     string
	size    int64
	touched time.Time
}

// flight is a rendering in progress; done is closed when ent or err is set.
type flight struct {
	done chan struct{}
	ent  Entry
	err  error
}

// Open opens (creating) the cache folder dir, indexes the files in it and
// trims it to the cap.
func Open(dir string, opt Options) (*Cache, error) {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.Workers <= 0 {
		opt.Workers = DefaultWorkers
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("preview cache: %w", err)
	}
	c := &Cache{dir: dir, max: opt.MaxBytes, log: opt.Logger,
		work: make(chan struct{}, opt.Workers), entries: map[string]*list.Element{},
		lru: list.New(), flights: map[string]*flight{}}
	if err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

// load indexes the folder's files, oldest last, removing temporary files.
func (c *Cache) load() error {
	des, err := os.ReadDir(c.dir)
	if err != nil {
		return fmt.Errorf("preview cache: %w", err)
	}
	var found []entry
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, tmpPrefix) {
			os.Remove(filepath.Join(c.dir, name))
			continue
		}
		if !de.Type().IsRegular() || !validKey(name) {
			continue
		}
		fi, err := de.Info()
		if err != nil {
			continue // removed meanwhile
		}
		found = append(found, entry{key: name, size: fi.Size(), touched: fi.ModTime()})
	}
	sort.Slice(found, func(i, j int) bool { return found[i].touched.After(found[j].touched) })

	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range found {
		c.entries[found[i].key] = c.lru.PushBack(&found[i])
		c.total += found[i].size
	}
	c.evictLocked()
	return nil
}

// Dir returns the cache folder.
func (c *Cache) Dir() string { return c.dir }

// Usage returns the number of cached files and their total size.
func (c *Cache) Usage() (files int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.total
}

// Lookup returns the cached preview under key, marking it used.
func (c *Cache) Lookup(key string) (Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.useLocked(key)
}

// useLocked returns the entry under key and moves it to the front.
func (c *Cache) useLocked(key string) (Entry, bool) {
	el, ok := c.entries[key]
	if !ok {
		return Entry{}, false
	}
	c.lru.MoveToFront(el)
	e := el.Value.(*entry)
	path := filepath.Join(c.dir, key)
	if now := time.Now(); now.Sub(e.touched) > touchEvery {
		e.touched = now
		os.Chtimes(path, now, now) // best effort: only the order after a restart suffers
	}
	return Entry{Path: path, Size: e.size}, true
}

// Forget drops key from the index and removes its file, for a caller that
// found the file missing or damaged.
func (c *Cache) Forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(key)
}

// Get returns the preview under key, calling write to produce it when it is
// not cached. Callers asking for the same key at once share one call of
// write; at most Options.Workers calls run at a time. write runs without
// ctx's cancellation, since others may wait for it; ctx only bounds the
// wait. A failed write caches nothing.
func (c *Cache) Get(ctx context.Context, key string, write func(w io.Writer) error) (Entry, error) {
	if !validKey(key) {
		return Entry{}, fmt.Errorf("preview cache: bad key %q", key)
	}
	c.mu.Lock()
	if ent, ok := c.useLocked(key); ok {
		c.mu.Unlock()
		return ent, nil
	}
	f, running := c.flights[key]
	if !running {
		f = &flight{done: make(chan struct{})}
		c.flights[key] = f
	}
	c.mu.Unlock()

	if !running {
		go c.fill(key, f, write)
	}
	select {
	case <-f.done:
		return f.ent, f.err
	case <-ctx.Done():
		return Entry{}, fmt.Errorf("preview cache: wait for %s: %w", key, ctx.Err())
	}
}

// Pending reports whether key is being rendered now.
func (c *Cache) Pending(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.flights[key]
	return ok
}

// fill renders key into the cache and ends flight f.
func (c *Cache) fill(key string, f *flight, write func(w io.Writer) error) {
	c.work <- struct{}{}
	ent, err := c.store(key, write)
	<-c.work

	c.mu.Lock()
	if err == nil {
		e := &entry{key: key, size: ent.Size, touched: time.Now()}
		c.removeLocked(key)
		c.entries[key] = c.lru.PushFront(e)
		c.total += e.size
		c.evictLocked()
	}
	delete(c.flights, key)
	c.mu.Unlock()

	f.ent, f.err = ent, err
	close(f.done)
}

// store writes a preview to a temporary file and renames it to key.
func (c *Cache) store(key string, write func(w io.Writer) error) (Entry, error) {
	tmp, err := os.CreateTemp(c.dir, tmpPrefix+"*")
	if err != nil {
		return Entry{}, fmt.Errorf("preview cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("preview cache: %w", cerr)
	}
	if err != nil {
		return Entry{}, err
	}
	fi, err := os.Stat(tmp.Name())
	if err != nil {
		return Entry{}, fmt.Errorf("preview cache: %w", err)
	}
	path := filepath.Join(c.dir, key)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return Entry{}, fmt.Errorf("preview cache: %w", err)
	}
	return Entry{Path: path, Size: fi.Size()}, nil
}

// evictLocked removes the least recently used files while the total passes
// the cap, keeping at least the newest. Readers holding an evicted file
// open keep reading it.
func (c *Cache) evictLocked() {
	for c.total > c.max && c.lru.Len() > 1 {
		e := c.lru.Back().Value.(*entry)
		c.removeLocked(e.key)
		c.log.Debug("preview evicted", "key", e.key, "size", e.size)
	}
}

// removeLocked drops key from the index and the folder.
func (c *Cache) removeLocked(key string) {
	el, ok := c.entries[key]
	if !ok {
		return
	}
	e := c.lru.Remove(el).(*entry)
	delete(c.entries, key)
	c.total -= e.size
	err := os.Remove(filepath.Join(c.dir, key))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		c.log.Warn("preview cache: remove failed", "key", key, "err", err)
	}
}

// validKey reports whether s looks like a key: 64 lowercase hex digits.
func validKey(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && (s[i] < 'a' || s[i] > 'f') {
			return false
		}
	}
	return true
}
