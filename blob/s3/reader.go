package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/minio/minio-go/v7"

	"github.com/dlfs/dlfs/blob"
)

// seqReadsBeforeReadAhead is how many reads in a row must follow each other
// before a Reader reads ahead; a header read or a random read never does.
const seqReadsBeforeReadAhead = 2

// reorderSlack is how far from the furthest read so far a read may start
// and still count as sequential: the kernel sends a file's read-ahead as
// several reads at once (1 MiB each through the mount), and they arrive
// in any order. Read-ahead blocks are kept until reads pass them by as
// much, for the stragglers.
const reorderSlack = 4 << 20

// Reader reads one object with ranged GETs, pinned to the ETag seen at
// Open. ReadAt may be called concurrently.
type Reader struct {
	// read-only after Open
	s      *Store
	key    string
	name   string
	etag   string
	size   int64
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc

	mu     sync.Mutex // protects the following
	next   int64      // the furthest end of a sequential read; -1 before the first
	streak int        // sequential reads in a row
	step   int        // length of the next read-ahead block
	blocks []*block   // read-ahead blocks, in offset order
	closed bool
}

// block is one read-ahead range; data is valid once done is closed and
// err is nil.
type block struct {
	off    int64
	data   []byte
	done   chan struct{}
	err    error
	cancel context.CancelFunc
}

func (b *block) end() int64 { return b.off + int64(len(b.data)) }

var _ blob.Reader = (*Reader)(nil)

// Open heads key's object and returns a Reader over it.
func (s *Store) Open(ctx context.Context, key string) (blob.Reader, error) {
	name, _, err := s.objectName(key)
	if err != nil {
		return nil, err
	}
	info, err := s.statObject(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("s3 open %s: %w", key, err)
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	return &Reader{s: s, key: key, name: name, etag: info.ETag, size: info.Size,
		ctx: rctx, cancel: cancel, next: -1}, nil
}

// Size is the object's length.
func (r *Reader) Size() int64 { return r.size }

// ReadAt reads len(p) bytes at off from read-ahead blocks where they
// cover it, else with one ranged GET.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("s3 read %s: negative offset %d", r.key, off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := int(min(int64(len(p)), r.size-off))

	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return 0, fmt.Errorf("s3 read %s: reader closed", r.key)
	}
	if r.noteReadLocked(off, want) {
		r.fillAheadLocked(off, want)
	}
	blocks := r.coveringLocked(off, off+int64(want))
	r.mu.Unlock()

	n, err := r.copyBlocks(blocks, p[:want], off)
	if err != nil && !errors.Is(err, context.Canceled) {
		return n, err // retried already: a direct GET would wait as long again
	}
	if n < want {
		var m int
		m, err = r.s.getRange(r.ctx, "s3 read "+r.key, r.name, r.etag, off+int64(n), p[n:want])
		n += m
		if err != nil {
			return n, err
		}
	}
	if want < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// noteReadLocked records a read of n bytes at off, drops read-ahead that
// lies well behind it or, on a seek away, all of it, and tells whether the
// reads so far are sequential enough to read ahead. A read counts as
// sequential when it starts within the read-ahead window or within
// reorderSlack of the furthest read, ahead or behind.
func (r *Reader) noteReadLocked(off int64, n int) bool {
	if r.inWindowLocked(off) {
		r.streak++
		r.next = max(r.next, off+int64(n))
	} else {
		r.streak = 0
		r.step = 0
		r.dropBlocksLocked(func(*block) bool { return true })
		r.next = off + int64(n)
	}
	r.dropBlocksLocked(func(b *block) bool { return b.end() <= r.next-reorderSlack })
	return r.streak >= seqReadsBeforeReadAhead
}

// inWindowLocked tells whether a read at off continues the reads so far.
func (r *Reader) inWindowLocked(off int64) bool {
	if r.next < 0 {
		return false
	}
	lo, hi := r.next-reorderSlack, r.next+reorderSlack
	if len(r.blocks) > 0 {
		lo = min(lo, r.blocks[0].off)
		hi = max(hi, r.blocks[len(r.blocks)-1].end())
	}
	return off >= lo && off <= hi
}

// dropBlocksLocked cancels and forgets the blocks that match.
func (r *Reader) dropBlocksLocked(match func(*block) bool) {
	kept := r.blocks[:0]
	for _, b := range r.blocks {
		if match(b) {
			b.cancel()
		} else {
			kept = append(kept, b)
		}
	}
	clear(r.blocks[len(kept):])
	r.blocks = kept
}

// fillAheadLocked starts blocks after the last one (or at off) until
// ReadAheadRequests of them lie ahead of the furthest read, each twice
// the last, up to ReadAheadMax.
func (r *Reader) fillAheadLocked(off int64, want int) {
	end := off
	ahead := 0
	if len(r.blocks) > 0 {
		end = max(off, r.blocks[len(r.blocks)-1].end())
	}
	for _, b := range r.blocks {
		if b.end() > r.next {
			ahead++
		}
	}
	if r.step == 0 {
		r.step = max(minReadAhead, want)
	}
	for ahead < r.s.opt.ReadAheadRequests && end < r.size {
		n := min(int64(r.step), r.size-end)
		bctx, cancel := context.WithCancel(r.ctx)
		b := &block{off: end, data: make([]byte, n), done: make(chan struct{}), cancel: cancel}
		r.blocks = append(r.blocks, b)
		go r.fetch(bctx, b)
		end += n
		ahead++
		r.step = min(2*r.step, r.s.opt.ReadAheadMax)
	}
}

func (r *Reader) fetch(ctx context.Context, b *block) {
	defer close(b.done)
	_, b.err = r.s.getRange(ctx, "s3 read ahead "+r.key, r.name, r.etag, b.off, b.data)
}

// coveringLocked returns the blocks that cover [off, end) from off on,
// contiguously.
func (r *Reader) coveringLocked(off, end int64) []*block {
	var out []*block
	at := off
	for _, b := range r.blocks {
		if b.off <= at && at < b.end() {
			out = append(out, b)
			at = b.end()
			if at >= end {
				break
			}
		}
	}
	return out
}

// copyBlocks waits for blocks in turn and copies what they hold of
// [off, off+len(p)) into p. It stops at the first failed block, which is
// dropped so that later reads fetch anew, and returns its error: a block
// cancelled by a seek on another goroutine fails with context.Canceled.
func (r *Reader) copyBlocks(blocks []*block, p []byte, off int64) (int, error) {
	n := 0
	for _, b := range blocks {
		<-b.done
		if b.err != nil {
			r.mu.Lock()
			r.dropBlocksLocked(func(x *block) bool { return x == b })
			r.mu.Unlock()
			return n, b.err
		}
		n += copy(p[n:], b.data[off+int64(n)-b.off:])
		if n == len(p) {
			break
		}
	}
	return n, nil
}

// Close cancels read-ahead and fails later reads.
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		r.dropBlocksLocked(func(*block) bool { return true })
		r.cancel()
	}
	return nil
}

// ReadHeader returns the first n bytes of key's object (fewer when it is
// shorter) with one ranged GET: what a MIME or image header probe needs.
func (s *Store) ReadHeader(ctx context.Context, key string, n int) ([]byte, error) {
	name, _, err := s.objectName(key)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, n)
	got, err := s.getRange(ctx, "s3 read header "+key, name, "", 0, buf)
	if err != nil {
		return nil, err
	}
	return buf[:got], nil
}

// errShortBody marks an answer that ended before its announced length.
var errShortBody = errors.New("response body ended early")

// getRange reads p's length at off of name with a ranged GET (If-Match
// etag when given), retried. It returns fewer bytes only when the object
// ends sooner.
func (s *Store) getRange(ctx context.Context, what, name, etag string, off int64,
	p []byte) (int, error) {
	var n int
	err := s.retry(ctx, what, true, func(ctx context.Context) error {
		gctx, guard := newStallGuard(ctx, s.opt.RequestTimeout)
		defer guard.stop()
		opts := minio.GetObjectOptions{}
		if etag != "" {
			if err := opts.SetMatchETag(etag); err != nil {
				return err
			}
		}
		if err := opts.SetRange(off, off+int64(len(p))-1); err != nil {
			return err
		}
		body, info, header, err := s.core.GetObject(gctx, s.loc.bucket, name, opts)
		if err != nil {
			return stalled(gctx, err)
		}
		defer body.Close()
		if off > 0 && header.Get("Content-Range") == "" {
			return fmt.Errorf("get %s at %d: server ignored the range", name, off)
		}
		n, err = readBody(body, p[:min(int64(len(p)), info.Size)], guard)
		return stalled(gctx, err)
	})
	return n, err
}

// readBody fills p from body, kicking the guard on progress.
func readBody(body io.Reader, p []byte, guard *stallGuard) (int, error) {
	n := 0
	for n < len(p) {
		m, err := body.Read(p[n:])
		n += m
		if m > 0 {
			guard.kick()
		}
		if err == io.EOF && n < len(p) {
			return n, fmt.Errorf("read %d of %d bytes: %w", n, len(p), errShortBody)
		}
		if err != nil && err != io.EOF {
			return n, err
		}
	}
	return n, nil
}
