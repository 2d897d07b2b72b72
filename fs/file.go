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

// fileNode is a file item.
type fileNode struct {
	gofs.Inode
	fsys *filesystem
	ds   *meta.Dataset // read-only

	mu     sync.Mutex // protects the fields below
	dir    string
	name   string
	itemID string
}

var (
	_ gofs.NodeOpener      = (*fileNode)(nil)
	_ gofs.NodeGetattrer   = (*fileNode)(nil)
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

// Getattr answers from the folder entry.
func (n *fileNode) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	dir, name, _ := n.where()
	d, err := n.fsys.cat.Lookup(n.ds.ID, dir, name)
	if err != nil {
		return n.fsys.errnoOf("getattr", err)
	}
	n.fsys.fillAttr(&d, &out.Attr)
	return 0
}

// Open opens the item's blob for reading.
func (n *fileNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_TRUNC|syscall.O_APPEND) != 0 {
		return nil, 0, syscall.EROFS
	}
	_, _, id := n.where()
	rec, err := n.fsys.cat.Record(n.ds.ID, id)
	if err != nil {
		return nil, 0, n.fsys.errnoOf("open", err)
	}
	store, err := n.fsys.store(ctx, n.ds)
	if err != nil {
		return nil, 0, n.fsys.errnoOf("open", err)
	}
	r, err := store.Open(ctx, rec.Blob)
	if err != nil {
		n.fsys.log.Warn("open blob", "item", id, "path", rec.Item.Filename, "err", err)
		return nil, 0, n.fsys.errnoOf("open", err)
	}
	// The bytes of a blob never change, so the kernel may keep its cache.
	return &fileHandle{r: r}, fuse.FOPEN_KEEP_CACHE, 0
}

// fileHandle reads an open blob.
type fileHandle struct {
	r blob.Reader
}

// fder is a blob.Reader backed by a local file descriptor.
type fder interface{ Fd() uintptr }

// Read serves a read at any offset; a local blob is spliced by the kernel.
func (h *fileHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if f, ok := h.r.(fder); ok {
		return fuse.ReadResultFd(f.Fd(), off, len(dest)), 0
	}
	n, err := h.r.ReadAt(dest, off)
	if err != nil && !errors.Is(err, io.EOF) {
		if errors.Is(err, blob.ErrUnavailable) {
			return nil, syscall.EIO
		}
		return nil, syscall.EIO
	}
	return fuse.ReadResultData(dest[:n]), 0
}

// Release closes the blob.
func (h *fileHandle) Release(ctx context.Context) syscall.Errno {
	h.r.Close()
	return 0
}
