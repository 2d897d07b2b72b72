package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// crcLen is the CRC-32C trailer at the end of every chunk file.
const crcLen = 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// metaFile is the blob's key and length, beside its chunks.
type metaFile struct {
	Key  string `json:"key"`
	Size int64  `json:"size"`
}

// chunkLen is the length of chunk index of b, without the CRC.
func (b *blobEntry) chunkLen(index int64) int64 {
	return min(ChunkSize, b.size-index*ChunkSize)
}

// storeChunk keeps a fetched chunk when room can be made for it; either
// way the caller serves data.
func (c *Cache) storeChunk(b *blobEntry, index int64, data []byte) {
	n := int64(len(data)) + crcLen
	c.mu.Lock()
	ok := c.blobs[b.key] == b && c.reserveLocked(n)
	needMeta := ok && !b.metaSet
	c.mu.Unlock()
	if !ok {
		c.stats.bypassed.Add(1)
		return
	}

	id := chunkID{b.hash, index}
	err := c.writeChunkFile(b, id, data, needMeta)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending -= n
	if err != nil || c.blobs[b.key] != b || c.chunks[id] != nil {
		// Failed, dropped meanwhile, or stored by another fill.
		c.used -= n
		if err == nil && c.chunks[id] == nil {
			os.Remove(c.chunkPath(id))
		}
		c.stats.bypassed.Add(1)
		return
	}
	b.metaSet = b.metaSet || needMeta
	e := &chunkEntry{id: id, blob: b, size: n}
	e.elem = c.lru.PushFront(e)
	c.chunks[id] = e
	b.chunks++
	if int64(b.chunks) == b.chunkCount() && b.chunkCount() > 1 && !b.verified &&
		isContentKey(b.key) {
		c.background.Add(1)
		go c.verifyWhole(b)
	}
}

// reserveLocked makes room for n bytes, evicting unpinned chunks from the
// least recently used end until the size limit and the free-space floor
// both hold, and counts n as used; false when it cannot.
func (c *Cache) reserveLocked(n int64) bool {
	free := c.freeSpace() - c.pending
	for c.used+n > c.maxBytes || free-n < c.minFree {
		e := c.oldestEvictableLocked()
		if e == nil {
			return false
		}
		c.removeChunkLocked(e)
		c.stats.evictions.Add(1)
		free += e.size
	}
	c.used += n
	c.pending += n
	return true
}

// freeSpace is the bytes available on the cache's file system; on error
// it claims plenty, leaving the size limit alone in charge.
func (c *Cache) freeSpace() int64 {
	var st unix.Statfs_t
	if err := unix.Statfs(c.dir, &st); err != nil {
		return 1 << 62
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// oldestEvictableLocked is the least recently used chunk of a blob no
// Reader holds open.
// TODO: this scans past pinned chunks at the old end; keep pinned blobs'
// chunks off the list if many large blobs stay open.
func (c *Cache) oldestEvictableLocked() *chunkEntry {
	for el := c.lru.Back(); el != nil; el = el.Prev() {
		if e := el.Value.(*chunkEntry); e.blob.pins == 0 {
			return e
		}
	}
	return nil
}

// removeChunkLocked deletes a chunk file and forgets it, and the blob too
// when that was its last chunk and no Reader holds it.
func (c *Cache) removeChunkLocked(e *chunkEntry) {
	os.Remove(c.chunkPath(e.id))
	c.lru.Remove(e.elem)
	delete(c.chunks, e.id)
	c.used -= e.size
	e.blob.chunks--
	c.forgetIfEmptyLocked(e.blob)
}

func (c *Cache) forgetIfEmptyLocked(b *blobEntry) {
	if b.chunks == 0 && b.pins == 0 && b.filling == 0 && c.blobs[b.key] == b {
		os.RemoveAll(c.blobDir(b.hash))
		delete(c.blobs, b.key)
	}
}

// dropBlobLocked removes every cached chunk of b.
func (c *Cache) dropBlobLocked(b *blobEntry) {
	for i := range b.chunkCount() {
		if e, ok := c.chunks[chunkID{b.hash, i}]; ok {
			c.removeChunkLocked(e)
		}
	}
	b.verified = false
}

// writeChunkFile writes data and its CRC to a temporary file, then renames
// it into place; with needMeta it first writes the blob's meta file.
func (c *Cache) writeChunkFile(b *blobEntry, id chunkID, data []byte, needMeta bool) error {
	if err := os.MkdirAll(c.blobDir(b.hash), 0o755); err != nil {
		return err
	}
	if needMeta {
		meta, err := json.Marshal(metaFile{Key: b.key, Size: b.size})
		if err != nil {
			return err
		}
		if err := c.writeAtomic(filepath.Join(c.blobDir(b.hash), "meta"), meta); err != nil {
			return err
		}
	}
	buf := make([]byte, len(data)+crcLen)
	copy(buf, data)
	binary.BigEndian.PutUint32(buf[len(data):], crc32.Checksum(data, castagnoli))
	return c.writeAtomic(c.chunkPath(id), buf)
}

func (c *Cache) writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(c.tmpDir(), "w-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// readChunkFile returns the bytes of a chunk file of want bytes (CRC
// excluded) after checking its CRC.
func (c *Cache) readChunkFile(id chunkID, want int64) ([]byte, error) {
	buf, err := os.ReadFile(c.chunkPath(id))
	if err != nil {
		return nil, err
	}
	if int64(len(buf)) != want+crcLen {
		return nil, fmt.Errorf("chunk %s/%d: %d bytes, want %d: %w", id.hash, id.index,
			len(buf), want+crcLen, errCorrupt)
	}
	data := buf[:want]
	if crc32.Checksum(data, castagnoli) != binary.BigEndian.Uint32(buf[want:]) {
		return nil, fmt.Errorf("chunk %s/%d: crc mismatch: %w", id.hash, id.index, errCorrupt)
	}
	return data, nil
}

// verifyWhole checks a fully cached content blob against its key, and
// drops it when it fails.
func (c *Cache) verifyWhole(b *blobEntry) {
	defer c.background.Done()
	h := sha256.New()
	for i := range b.chunkCount() {
		data, err := c.readChunkFile(chunkID{b.hash, i}, b.chunkLen(i))
		if err != nil {
			return // evicted meanwhile, or caught by the chunk check on read
		}
		h.Write(data)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if hex.EncodeToString(h.Sum(nil)) == b.key {
		b.verified = true
		return
	}
	c.stats.corrupt.Add(1)
	c.dropBlobLocked(b)
}

// isContentKey tells whether key is 64 lowercase hex digits: a sha256.
func isContentKey(key string) bool {
	if len(key) != 64 {
		return false
	}
	for _, r := range key {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}
