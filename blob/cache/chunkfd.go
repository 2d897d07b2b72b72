package cache

import (
	"errors"
	"os"
	"sync"

	"github.com/dlfs/dlfs/blob"
)

// openChunk is a chunk file handed out by ChunkFd. It stays open while a
// span holds it (refs) and while it is the reader's latest; it closes
// when neither holds.
type openChunk struct {
	file *os.File
	fd   uintptr
	refs int
}

var _ blob.ChunkFder = (*reader)(nil)

// ChunkFd returns the chunk file holding [off, off+n) of the blob when
// the range lies within one cached chunk whose file has passed its check
// since New; a chunk not yet checked is left to ReadAt, which checks it.
// The blob is pinned while the reader is open, so eviction leaves the file
// in place; a file dropped otherwise (Delete) stays readable through the
// open descriptor until the span is released.
func (r *reader) ChunkFd(off int64, n int) (blob.FileSpan, bool) {
	if off < 0 || n <= 0 || off >= r.b.size {
		return blob.FileSpan{}, false
	}
	index := off / ChunkSize
	at := off - index*ChunkSize
	n = int(min(int64(n), r.b.size-off))
	if at+int64(n) > r.b.chunkLen(index) {
		return blob.FileSpan{}, false // spans two chunks
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return blob.FileSpan{}, false
	}
	oc := r.fds[index]
	if oc == nil {
		f, ok := r.c.openChecked(chunkID{r.b.hash, index})
		if !ok {
			return blob.FileSpan{}, false
		}
		oc = &openChunk{file: f, fd: f.Fd()}
		if r.fds == nil {
			r.fds = make(map[int64]*openChunk)
		}
		r.fds[index] = oc
	}
	if r.fdIndex != index {
		r.fdIndex = index
		r.closeIdleLocked(index)
	}
	oc.refs++
	r.c.checkAhead(r.b, index+1, index+2)
	var once sync.Once
	release := func() { once.Do(func() { r.releaseChunk(index, oc) }) }
	return blob.FileSpan{Fd: oc.fd, Off: at, Len: n, Release: release}, true
}

// releaseChunk drops a span's hold on a chunk file, closing the file when
// it was the last hold on a file the reader has moved past.
func (r *reader) releaseChunk(index int64, oc *openChunk) {
	r.mu.Lock()
	defer r.mu.Unlock()
	oc.refs--
	if oc.refs == 0 && (r.closed || r.fdIndex != index) {
		oc.file.Close()
		if r.fds[index] == oc {
			delete(r.fds, index)
		}
	}
}

// closeIdleLocked closes the chunk files no span holds, but keep's (-1
// for none).
func (r *reader) closeIdleLocked(keep int64) {
	for i, oc := range r.fds {
		if i != keep && oc.refs == 0 {
			oc.file.Close()
			delete(r.fds, i)
		}
	}
}

// openChecked opens a cached chunk's file when it has passed its check,
// and marks the chunk used. The file is opened under the lock that
// guards removals, so it is the checked file, not a later one.
func (c *Cache) openChecked(id chunkID) (*os.File, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.chunks[id]
	if !ok || !e.checked {
		return nil, false
	}
	f, err := os.Open(c.chunkPath(id))
	if err != nil {
		return nil, false
	}
	c.lru.MoveToFront(e.elem)
	c.stats.hits.Add(1)
	return f, true
}

// checkAhead checks the chunks of b at indexes in the background, those
// cached and not checked yet, so that a sequential reader finds them
// checked and spliceable when it gets there, rather than checking them on
// the way. A chunk that fails is dropped, as on a read.
func (c *Cache) checkAhead(b *blobEntry, indexes ...int64) {
	for _, index := range indexes {
		c.checkInBackground(b, index)
	}
}

func (c *Cache) checkInBackground(b *blobEntry, index int64) {
	id := chunkID{b.hash, index}
	c.mu.Lock()
	e, ok := c.chunks[id]
	if !ok || e.checked || e.checking {
		c.mu.Unlock()
		return
	}
	e.checking = true
	c.background.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.background.Done()
		_, err := c.readChunkFile(id, b.chunkLen(index))
		c.mu.Lock()
		defer c.mu.Unlock()
		e.checking = false
		if err == nil {
			e.checked = true
		} else if c.chunks[id] == e { // not dropped by a read meanwhile
			if errors.Is(err, errCorrupt) {
				c.stats.corrupt.Add(1)
			}
			c.removeChunkLocked(e)
		}
	}()
}
