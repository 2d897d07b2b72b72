package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/dlfs/dlfs/blob"
)

// reader reads a pinned blob chunk by chunk. It holds the chunk it last
// touched: open, when the chunk's file has passed its check, or in memory
// when the chunk was just fetched or checked.
//
// Lock order: reader.mu, then Cache.mu.
type reader struct {
	// read-only after Open
	c   *Cache
	b   *blobEntry
	ctx context.Context // for opening the inner store on a first miss

	innerMu sync.Mutex // protects inner
	inner   blob.Reader

	mu     sync.Mutex // protects the following
	index  int64      // chunk held; -1 for none
	held   chunkSource
	closed bool
	// chunk files handed out by ChunkFd, and the latest one's index
	fds     map[int64]*openChunk
	fdIndex int64
}

// chunkSource holds one chunk's bytes: a checked file, or data in memory
// (never written once set, so concurrent readers may copy from it).
type chunkSource struct {
	file *os.File
	data []byte
}

var _ blob.Reader = (*reader)(nil)

func (r *reader) Size() int64 { return r.b.size }

// ReadAt copies from the chunks that hold [off, off+len(p)).
func (r *reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("cache read %s: negative offset %d", r.b.key, off)
	}
	n := 0
	for n < len(p) && off+int64(n) < r.b.size {
		at := off + int64(n)
		index := at / ChunkSize
		end := min(len(p), n+int(r.b.chunkLen(index)-(at-index*ChunkSize)))
		m, err := r.readChunk(index, p[n:end], at-index*ChunkSize)
		n += m
		if err != nil {
			return n, err
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// readChunk fills p from offset at of chunk index, loading the chunk
// (outside the lock, since a miss goes to the network) unless held.
func (r *reader) readChunk(index int64, p []byte, at int64) (int, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return 0, fmt.Errorf("cache read %s: reader closed", r.b.key)
	}
	if r.index != index {
		r.mu.Unlock()
		src, err := r.c.loadChunk(r, index)
		if err != nil {
			return 0, err
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			src.close()
			return 0, fmt.Errorf("cache read %s: reader closed", r.b.key)
		}
		r.held.close()
		r.index, r.held = index, src
		r.c.checkAhead(r.b, index+1, index+2)
	}
	defer r.mu.Unlock()
	if r.held.file == nil {
		return copy(p, r.held.data[at:]), nil
	}
	n, err := r.held.file.ReadAt(p, at)
	if err != nil {
		return n, fmt.Errorf("cache read %s chunk %d: %w", r.b.key, index, err)
	}
	return n, nil
}

func (s chunkSource) close() {
	if s.file != nil {
		s.file.Close()
	}
}

// loadChunk returns a chunk from disk, checking its file the first time
// it is read back; on a miss, or a file that fails its check, it fetches
// the chunk once from the inner store, however many readers ask, and
// writes it to disk, in the background while a slot is free.
func (c *Cache) loadChunk(r *reader, index int64) (chunkSource, error) {
	id := chunkID{r.b.hash, index}
	c.mu.Lock()
	if e, ok := c.chunks[id]; ok {
		c.lru.MoveToFront(e.elem)
		checked := e.checked
		c.mu.Unlock()
		src, err := c.readCached(e, checked)
		if err == nil {
			c.stats.hits.Add(1)
			return src, nil
		}
		c.mu.Lock()
		if c.chunks[id] == e { // not dropped by a check ahead meanwhile
			if errors.Is(err, errCorrupt) {
				c.stats.corrupt.Add(1)
			}
			c.removeChunkLocked(e)
		}
	}
	if f, ok := c.fills[id]; ok {
		c.mu.Unlock()
		<-f.done
		if f.err == nil {
			c.stats.hits.Add(1)
		}
		return chunkSource{data: f.data}, f.err
	}
	f := &fill{done: make(chan struct{})}
	c.fills[id] = f
	r.b.filling++
	c.mu.Unlock()

	c.stats.misses.Add(1)
	f.data, f.err = r.fetch(index, r.b.chunkLen(index))
	close(f.done)
	if f.err != nil {
		c.endFill(r.b, id)
		return chunkSource{}, f.err
	}
	select {
	case c.writers <- struct{}{}:
		c.background.Add(1)
		go func() {
			defer c.background.Done()
			c.storeChunk(r.b, index, f.data)
			c.endFill(r.b, id)
			<-c.writers
		}()
	default:
		c.storeChunk(r.b, index, f.data)
		c.endFill(r.b, id)
	}
	return chunkSource{data: f.data}, nil
}

// endFill forgets a fill once its chunk is on disk or given up.
func (c *Cache) endFill(b *blobEntry, id chunkID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.fills, id)
	b.filling--
	c.forgetIfEmptyLocked(b)
}

// readCached opens a checked chunk file, or reads and checks an
// unchecked one and marks it checked.
func (c *Cache) readCached(e *chunkEntry, checked bool) (chunkSource, error) {
	if checked {
		f, err := os.Open(c.chunkPath(e.id))
		return chunkSource{file: f}, err
	}
	data, err := c.readChunkFile(e.id, e.blob.chunkLen(e.id.index))
	if err != nil {
		return chunkSource{}, err
	}
	c.mu.Lock()
	e.checked = true
	c.mu.Unlock()
	return chunkSource{data: data}, nil
}

// fetch reads a chunk from the inner store; a blob of one chunk under a
// content key is checked against it.
func (r *reader) fetch(index, want int64) ([]byte, error) {
	in, err := r.innerReader()
	if err != nil {
		return nil, err
	}
	data := make([]byte, want)
	n, err := in.ReadAt(data, index*ChunkSize)
	if int64(n) == want && err == io.EOF {
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("cache fill %s chunk %d: %w", r.b.key, index, err)
	}
	if r.b.chunkCount() == 1 && isContentKey(r.b.key) {
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != r.b.key {
			r.c.stats.corrupt.Add(1)
			return nil, fmt.Errorf("cache fill %s: the backend's bytes do not match "+
				"the key: %w", r.b.key, errCorrupt)
		}
	}
	return data, nil
}

// innerReader opens the inner store's reader on first use.
func (r *reader) innerReader() (blob.Reader, error) {
	r.innerMu.Lock()
	defer r.innerMu.Unlock()
	if r.inner != nil {
		return r.inner, nil
	}
	in, err := r.c.inner.Open(r.ctx, r.b.key)
	if err != nil {
		return nil, err
	}
	if in.Size() != r.b.size {
		in.Close()
		return nil, fmt.Errorf("cache open %s: backend holds %d bytes, cache %d: %w",
			r.b.key, in.Size(), r.b.size, blob.ErrSizeMismatch)
	}
	r.inner = in
	return in, nil
}

// Close unpins the blob and closes the inner reader.
func (r *reader) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.held.close()
	r.held = chunkSource{}
	r.closeIdleLocked(-1)
	r.mu.Unlock()

	r.c.mu.Lock()
	r.b.pins--
	r.c.forgetIfEmptyLocked(r.b)
	r.c.mu.Unlock()

	r.innerMu.Lock()
	defer r.innerMu.Unlock()
	if r.inner != nil {
		return r.inner.Close()
	}
	return nil
}
