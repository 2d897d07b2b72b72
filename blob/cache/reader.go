package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/dlfs/dlfs/blob"
)

// reader reads a pinned blob chunk by chunk, keeping the last chunk it
// loaded in memory so that small sequential reads cost one disk read and
// one CRC check per chunk.
type reader struct {
	// read-only after Open
	c   *Cache
	b   *blobEntry
	ctx context.Context // for opening the inner store on a first miss

	innerMu sync.Mutex // protects inner
	inner   blob.Reader

	mu     sync.Mutex // protects the following
	index  int64      // chunk held in data; -1 for none
	data   []byte     // never written once set: readers copy from it
	closed bool
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
		data, err := r.chunk(index)
		if err != nil {
			return n, err
		}
		n += copy(p[n:], data[at-index*ChunkSize:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (r *reader) chunk(index int64) ([]byte, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, fmt.Errorf("cache read %s: reader closed", r.b.key)
	}
	if r.index == index {
		data := r.data
		r.mu.Unlock()
		return data, nil
	}
	r.mu.Unlock()

	data, err := r.c.loadChunk(r, index)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.index, r.data = index, data
	r.mu.Unlock()
	return data, nil
}

// loadChunk reads a chunk from disk, or on a miss (or a chunk that fails
// its check) fetches it once from the inner store, however many readers
// ask, and caches it.
func (c *Cache) loadChunk(r *reader, index int64) ([]byte, error) {
	id := chunkID{r.b.hash, index}
	want := r.b.chunkLen(index)
	c.mu.Lock()
	if e, ok := c.chunks[id]; ok {
		c.lru.MoveToFront(e.elem)
		c.mu.Unlock()
		data, err := c.readChunkFile(id, want)
		if err == nil {
			c.stats.hits.Add(1)
			return data, nil
		}
		if errors.Is(err, errCorrupt) {
			c.stats.corrupt.Add(1)
		}
		c.mu.Lock()
		if c.chunks[id] == e {
			c.removeChunkLocked(e)
		}
	}
	if f, ok := c.fills[id]; ok {
		c.mu.Unlock()
		<-f.done
		return f.data, f.err
	}
	f := &fill{done: make(chan struct{})}
	c.fills[id] = f
	c.mu.Unlock()

	c.stats.misses.Add(1)
	f.data, f.err = r.fetch(index, want)
	if f.err == nil {
		c.storeChunk(r.b, index, f.data)
	}
	c.mu.Lock()
	delete(c.fills, id)
	c.mu.Unlock()
	close(f.done)
	return f.data, f.err
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
	r.data = nil
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
