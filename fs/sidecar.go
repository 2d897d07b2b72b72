package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/dlfs/dlfs/meta"
)

// sidecarNode is the virtual X.annotations.json of item X.
type sidecarNode struct {
	gofs.Inode
	fsys   *filesystem
	ds     *meta.Dataset
	dir    string // the item's folder and name
	name   string
	itemID string
}

var (
	_ gofs.NodeOpener    = (*sidecarNode)(nil)
	_ gofs.NodeGetattrer = (*sidecarNode)(nil)
	_ gofs.FileReader    = (*bytesHandle)(nil)
)

// Getattr gives the sidecar's true length, kept in the item's entry.
func (n *sidecarNode) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d, err := n.fsys.cat.Lookup(n.ds.ID, n.dir, n.name)
	if err != nil {
		return n.fsys.errnoOf("getattr", err)
	}
	n.fsys.fillSidecarAttr(&d, &out.Attr)
	return 0
}

// Open reads the annotations once; the handle serves that snapshot.
func (n *sidecarNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_TRUNC|syscall.O_APPEND) != 0 {
		return nil, 0, syscall.EROFS
	}
	data, err := n.fsys.cat.SidecarJSON(n.ds.ID, n.itemID)
	if err != nil {
		return nil, 0, n.fsys.errnoOf("open", err)
	}
	return &bytesHandle{data: data}, 0, 0
}

// bytesHandle serves a byte slice fixed at open.
type bytesHandle struct {
	data []byte
}

// Read serves a slice of the data.
func (h *bytesHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if off >= int64(len(h.data)) {
		return fuse.ReadResultData(nil), 0
	}
	end := min(off+int64(len(dest)), int64(len(h.data)))
	return fuse.ReadResultData(h.data[off:end]), 0
}
