package fs

import (
	"context"
	"errors"
	"io"
	"sync"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/meta"
)

// fileNode is a file item. It is known by the item's id, which survives
// renames; dir and name are where it was found (views show items away
// from their path).
//
// Lock order: fileNode.mu, then stage.mu.
type fileNode struct {
	gofs.Inode
	fsys *filesystem
	ds   *meta.Dataset // read-only

	mu       sync.Mutex // protects the fields below
	dir      string
	name     string
	itemID   string
	stage    *stage      // the bytes being written, while a handle has them
	last     meta.Dirent // the entry last seen, answered once the item is gone
	seen     bool        // last is set
	lastBlob string      // the blob the kernel may have cached pages of
}

var (
	_ gofs.NodeOpener      = (*fileNode)(nil)
	_ gofs.NodeGetattrer   = (*fileNode)(nil)
	_ gofs.NodeSetattrer   = (*fileNode)(nil)
	_ gofs.NodeGetxattrer  = (*fileNode)(nil)
	_ gofs.NodeListxattrer = (*fileNode)(nil)
	_ gofs.FileReader      = (*fileHandle)(nil)
	_ gofs.FileReleaser    = (*fileHandle)(nil)
)

func (n *fileNode) where() (dir, name, id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.dir, n.name, n.itemID
}

func (n *fileNode) id() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.itemID
}

// entry returns the item's folder entry wherever the item is now: where
// it was last seen (one read), else found through its record. For an item
// removed while open it answers the entry last seen, with no link.
func (n *fileNode) entry() (meta.Dirent, bool, error) {
	dir, name, id := n.where()
	d, err := n.fsys.cat.Lookup(n.ds.ID, dir, name)
	if err != nil || d.ItemID != id {
		var rec *meta.Record
		rec, d, err = n.fsys.cat.ItemEntry(n.ds.ID, id)
		if err == nil {
			dir, _ = meta.SplitPath(rec.Item.Filename)
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if err == nil {
		n.dir, n.name = dir, d.Name
		n.last, n.seen = d, true
		return d, true, nil
	}
	if errors.Is(err, meta.ErrNotFound) && n.seen {
		return n.last, false, nil
	}
	return meta.Dirent{}, false, err
}

// Getattr answers from the folder entry, or from the bytes being written.
func (n *fileNode) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d, linked, err := n.entry()
	if err != nil {
		return n.fsys.errnoOf("getattr", err)
	}
	n.fsys.fillAttr(&d, &out.Attr)
	if !linked {
		out.Nlink = 0
	}
	if st := n.currentStage(); st != nil {
		size, mtime := st.attr()
		out.Size, out.Blocks = uint64(size), (uint64(size)+511)/512
		if mtime != 0 {
			setTimes(&out.Attr, mtime)
		}
	}
	return 0
}

// Open opens the item's blob for reading, or its bytes for writing.
func (n *fileNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_TRUNC) != 0 {
		return n.openWrite(ctx, flags)
	}
	if st := n.joinStage(); st != nil {
		return &writeHandle{node: n, st: st, flags: flags}, 0, 0
	}
	rec, err := n.fsys.cat.Record(n.ds.ID, n.id())
	if err != nil {
		return nil, 0, n.fsys.errnoOf("open", err)
	}
	store, err := n.fsys.store(ctx, n.ds)
	if err != nil {
		return nil, 0, n.fsys.errnoOf("open", err)
	}
	r, err := store.Open(ctx, rec.Blob)
	if err != nil {
		n.fsys.log.Warn("open blob", "item", rec.Item.ID, "path", rec.Item.Filename, "err", err)
		return nil, 0, n.fsys.errnoOf("open", err)
	}
	// The bytes of a blob never change, so the kernel may keep its cache
	// while the item still points at the blob it cached.
	n.mu.Lock()
	keep := n.lastBlob == rec.Blob
	n.lastBlob = rec.Blob
	n.mu.Unlock()
	if keep {
		return n.fsys.readHandle(r), fuse.FOPEN_KEEP_CACHE, 0
	}
	return n.fsys.readHandle(r), 0, 0
}

// fileHandle reads an open blob.
type fileHandle struct {
	r blob.Reader
}

// fder is a blob.Reader backed by a local file descriptor.
type fder interface{ Fd() uintptr }

// spanResult answers a read from a blob's chunk file and releases the
// file once go-fuse has sent the bytes (Done).
type spanResult struct {
	fuse.ReadResult
	span blob.FileSpan
}

// Seekable lets go-fuse splice the span from its file: it looks for this
// method on a ReadResult. Without it go-fuse would pread, just as right.
func (s *spanResult) Seekable() (fd uintptr, off int64, sz int) {
	return s.span.Fd, s.span.Off, s.span.Len
}

func (s *spanResult) Done() { s.span.Release() }

// Read serves a read at any offset; a local blob, or a read within one
// cached chunk, is spliced by the kernel.
func (h *fileHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if f, ok := h.r.(fder); ok {
		return fuse.ReadResultFd(f.Fd(), off, len(dest)), 0
	}
	if c, ok := h.r.(blob.ChunkFder); ok {
		if s, ok := c.ChunkFd(off, len(dest)); ok {
			return &spanResult{ReadResult: fuse.ReadResultFd(s.Fd, s.Off, s.Len), span: s}, 0
		}
	}
	n, err := h.r.ReadAt(dest, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, syscall.EIO
	}
	return fuse.ReadResultData(dest[:n]), 0
}

// Release closes the blob.
func (h *fileHandle) Release(ctx context.Context) syscall.Errno {
	h.r.Close()
	return 0
}
