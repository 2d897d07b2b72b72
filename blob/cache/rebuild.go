package cache

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

// rebuild indexes the chunk files left in the folder: it empties tmp/,
// removes what does not belong (no meta, wrong length, unknown names),
// orders chunks by file time for eviction, and trims to the size limit.
func (c *Cache) rebuild() error {
	if err := os.RemoveAll(c.tmpDir()); err != nil {
		return err
	}
	if err := os.MkdirAll(c.tmpDir(), 0o755); err != nil {
		return err
	}
	dirs, err := filepath.Glob(filepath.Join(c.blobsDir(), "*", "*"))
	if err != nil {
		return err
	}
	var all []foundChunk
	for _, dir := range dirs {
		b := c.loadBlobDir(dir)
		if b == nil {
			os.RemoveAll(dir)
			continue
		}
		chunks := c.loadChunks(dir, b)
		if b.chunks == 0 {
			os.RemoveAll(dir)
			continue
		}
		c.blobs[b.key] = b
		all = append(all, chunks...)
	}

	sort.Slice(all, func(i, j int) bool { return all[i].mtime.Before(all[j].mtime) })
	for _, f := range all {
		f.e.elem = c.lru.PushFront(f.e)
		c.chunks[f.e.id] = f.e
		c.used += f.e.size
	}
	for c.used > c.maxBytes {
		c.removeChunkLocked(c.lru.Back().Value.(*chunkEntry))
	}
	return nil
}

// loadBlobDir reads a blob folder's meta file, or returns nil when it is
// missing, unreadable or names another key.
func (c *Cache) loadBlobDir(dir string) *blobEntry {
	raw, err := os.ReadFile(filepath.Join(dir, "meta"))
	if err != nil {
		return nil
	}
	var m metaFile
	if json.Unmarshal(raw, &m) != nil || m.Size < 0 || keyHash(m.Key) != filepath.Base(dir) {
		return nil
	}
	return &blobEntry{key: m.Key, hash: filepath.Base(dir), size: m.Size, metaSet: true}
}

type foundChunk struct {
	e     *chunkEntry
	mtime time.Time
}

// loadChunks returns b's chunk files in dir with the right length and
// removes any other file but meta.
func (c *Cache) loadChunks(dir string, b *blobEntry) []foundChunk {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []foundChunk
	for _, de := range entries {
		if de.Name() == "meta" {
			continue
		}
		index, err := strconv.ParseInt(de.Name(), 10, 64)
		info, ierr := de.Info()
		if err != nil || ierr != nil || index < 0 || index >= b.chunkCount() ||
			info.Size() != b.chunkLen(index)+crcLen {
			os.RemoveAll(filepath.Join(dir, de.Name()))
			continue
		}
		e := &chunkEntry{id: chunkID{b.hash, index}, blob: b, size: info.Size()}
		b.chunks++
		out = append(out, foundChunk{e, info.ModTime()})
	}
	return out
}
