package fs

import (
	"sync"
	"time"
)

// xattrCache keeps the attribute lists of recently asked items for a short
// time on read-only mounts. The kernel does not cache extended attributes
// for FUSE, and `getfattr -d` asks for every name separately, so without it
// each file costs one catalog read per attribute. Items of a read-only mount
// change only through commands forwarded to the mount (an import); their
// attributes may then be a second old.
type xattrCache struct {
	ttl time.Duration // read-only

	mu      sync.Mutex // protects entries
	entries map[string]xattrEntry
}

type xattrEntry struct {
	attrs []xattr
	at    time.Time
}

// xattrCacheSize bounds the entries; a full cache is emptied.
const xattrCacheSize = 4096

func newXattrCache(ttl time.Duration) *xattrCache {
	return &xattrCache{ttl: ttl, entries: map[string]xattrEntry{}}
}

// get returns the attributes cached for key, when fresh.
func (c *xattrCache) get(key string) ([]xattr, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || time.Since(e.at) > c.ttl {
		return nil, false
	}
	return e.attrs, true
}

// put caches attrs under key.
func (c *xattrCache) put(key string, attrs []xattr) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= xattrCacheSize {
		clear(c.entries)
	}
	c.entries[key] = xattrEntry{attrs: attrs, at: time.Now()}
}
