package fs

import (
	"context"
	"errors"
	"io"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

var (
	_ gofs.FileReader    = (*writeHandle)(nil)
	_ gofs.FileWriter    = (*writeHandle)(nil)
	_ gofs.FileFlusher   = (*writeHandle)(nil)
	_ gofs.FileFsyncer   = (*writeHandle)(nil)
	_ gofs.FileReleaser  = (*writeHandle)(nil)
	_ gofs.FileAllocater = (*writeHandle)(nil)
)

// currentStage returns the bytes being written, or nil.
func (n *fileNode) currentStage() *stage {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stage
}

// joinStage takes a reference on the bytes being written, if any.
func (n *fileNode) joinStage() *stage {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stage == nil {
		return nil
	}
	n.stage.mu.Lock()
	n.stage.refs++
	n.stage.mu.Unlock()
	return n.stage
}

// openStage takes a reference on the bytes being written, starting them
// from the item's committed blob when no handle has them yet.
func (n *fileNode) openStage(ctx context.Context) (*stage, syscall.Errno) {
	if !inDataset(n.EmbeddedInode()) {
		return nil, syscall.EROFS
	}
	tgt, errno := n.fsys.target(ctx, n.ds)
	if errno != 0 {
		return nil, errno
	}
	if st := n.joinStage(); st != nil {
		return st, 0
	}
	rec, err := n.fsys.cat.Record(n.ds.ID, n.id())
	if err != nil {
		return nil, n.fsys.errnoOf("open", err)
	}
	st, err := newStage(ctx, n.fsys, n.ds, tgt, rec)
	if err != nil {
		return nil, n.fsys.errnoOf("open", err)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stage != nil { // another open won the race
		st.refs = 1
		st.release()
		n.stage.mu.Lock()
		n.stage.refs++
		n.stage.mu.Unlock()
		return n.stage, 0
	}
	st.refs = 1
	n.stage = st
	return st, 0
}

// releaseStage drops a reference taken by openStage or joinStage.
func (n *fileNode) releaseStage(st *stage) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if st.release() && n.stage == st {
		n.stage = nil
		n.lastBlob = "" // the kernel's pages may be of the staged bytes
	}
}

// openWrite opens the item for writing; O_TRUNC empties it.
func (n *fileNode) openWrite(ctx context.Context,
	flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	st, errno := n.openStage(ctx)
	if errno != 0 {
		return nil, 0, errno
	}
	if flags&syscall.O_TRUNC != 0 {
		if err := st.truncate(0); err != nil {
			n.releaseStage(st)
			return nil, 0, n.fsys.errnoOf("open", err)
		}
	}
	return &writeHandle{node: n, st: st, flags: flags}, 0, 0
}

// Setattr changes the length (truncate) and the modification time; mode
// and owner are fixed by the mount and changes to them are accepted and
// ignored, so that cp -p, sed -i and editors keep working.
func (n *fileNode) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn,
	out *fuse.AttrOut) syscall.Errno {
	size, hasSize := in.GetSize()
	mtime, hasMtime := in.GetMTime()
	if hasSize || hasMtime {
		if errno := n.changeAttr(ctx, f, hasSize, int64(size), hasMtime, mtime); errno != 0 {
			return errno
		}
	}
	return n.Getattr(ctx, f, out)
}

// changeAttr applies a truncate or a time change through the bytes being
// written; with no handle open it starts them and stores the result.
func (n *fileNode) changeAttr(ctx context.Context, f gofs.FileHandle, hasSize bool, size int64,
	hasMtime bool, mtime time.Time) syscall.Errno {
	if _, errno := n.fsys.target(ctx, n.ds); errno != 0 {
		return errno
	}
	var st *stage
	commit := false
	if h, ok := f.(*writeHandle); ok {
		st = h.st
	} else if st = n.joinStage(); st != nil {
		// open(O_TRUNC) comes as a truncate by path: the open handle
		// stores the bytes at close.
		defer n.releaseStage(st)
	} else {
		var errno syscall.Errno
		if st, errno = n.openStage(ctx); errno != 0 {
			return errno
		}
		defer n.releaseStage(st)
		commit = true
	}
	if hasSize {
		if err := st.truncate(size); err != nil {
			return n.fsys.errnoOf("truncate", err)
		}
	}
	if hasMtime {
		st.setTime(mtime)
	}
	if !commit {
		return 0
	}
	if err := st.commit(ctx); err != nil {
		n.fsys.log.Warn("store changed file", "item", st.id, "err", err)
		return n.fsys.errnoOf("setattr", err)
	}
	return 0
}

// writeHandle is an open file item whose bytes may change: reads and
// writes go through the node's shared stage, and a flush (close) or
// fsync stores them.
type writeHandle struct {
	node  *fileNode
	st    *stage
	flags uint32 // read-only
}

// Read reads the current bytes.
func (h *writeHandle) Read(ctx context.Context, dest []byte,
	off int64) (fuse.ReadResult, syscall.Errno) {
	n, err := h.st.readAt(dest, off)
	if err != nil && n == 0 && !errors.Is(err, io.EOF) {
		return fuse.ReadResultData(dest[:n]), errnoOfIO(err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

// Write writes at off (at the end for O_APPEND).
func (h *writeHandle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	if h.flags&(syscall.O_WRONLY|syscall.O_RDWR) == 0 {
		return 0, syscall.EBADF
	}
	if h.flags&syscall.O_APPEND != 0 {
		off = h.st.sizeNow()
	}
	n, err := h.st.writeAt(data, off)
	if err != nil {
		h.node.fsys.log.Warn("write to staging failed", "item", h.st.id, "err", err)
		return uint32(n), errnoOfIO(err)
	}
	return uint32(n), 0
}

// fallocate(2)'s FALLOC_FL_KEEP_SIZE.
const fallocKeepSize = 0x1

// Allocate grows the file to cover off+size; with FALLOC_FL_KEEP_SIZE it
// does nothing, as space is not reserved ahead. Other modes (punching
// holes, zeroing ranges) answer EOPNOTSUPP.
func (h *writeHandle) Allocate(ctx context.Context, off, size uint64, mode uint32) syscall.Errno {
	switch mode {
	case 0:
	case fallocKeepSize:
		return 0
	default:
		return syscall.EOPNOTSUPP
	}
	if end := int64(off + size); end > h.st.sizeNow() {
		if err := h.st.truncate(end); err != nil {
			return errnoOfIO(err)
		}
	}
	return 0
}

// Flush stores the bytes at close: they are durable and visible to other
// readers when close returns.
func (h *writeHandle) Flush(ctx context.Context) syscall.Errno {
	return h.commit(ctx, "flush")
}

// Fsync stores the bytes now.
func (h *writeHandle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	return h.commit(ctx, "fsync")
}

func (h *writeHandle) commit(ctx context.Context, op string) syscall.Errno {
	if err := h.st.commit(context.WithoutCancel(ctx)); err != nil {
		h.node.fsys.log.Warn("store written bytes", "op", op, "item", h.st.id, "err", err)
		return h.node.fsys.errnoOf(op, err)
	}
	return 0
}

// Release drops the handle's reference on the bytes.
func (h *writeHandle) Release(ctx context.Context) syscall.Errno {
	h.node.releaseStage(h.st)
	return 0
}
