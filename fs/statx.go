package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/dlfs/dlfs/meta"
)

// statx answers carry the birth time (the item's createdAt) besides what
// stat gives.

var (
	_ gofs.NodeStatxer = (*fileNode)(nil)
	_ gofs.NodeStatxer = (*dirNode)(nil)
	_ gofs.NodeStatxer = (*sidecarNode)(nil)
)

// fillStatx sets out from an entry (or its sidecar).
func (fsys *filesystem) fillStatx(d *meta.Dirent, sidecar bool, out *fuse.Statx) {
	var a fuse.Attr
	fsys.FillAttr(d, sidecar, &a)
	out.Mask = unix.STATX_BASIC_STATS
	out.Blksize, out.Nlink = a.Blksize, a.Nlink
	out.Uid, out.Gid = a.Uid, a.Gid
	out.Mode = uint16(a.Mode)
	out.Ino, out.Size, out.Blocks = a.Ino, a.Size, a.Blocks
	out.Atime = fuse.SxTime{Sec: a.Atime, Nsec: a.Atimensec}
	out.Mtime = fuse.SxTime{Sec: a.Mtime, Nsec: a.Mtimensec}
	out.Ctime = fuse.SxTime{Sec: a.Ctime, Nsec: a.Ctimensec}
	if d.BtimeNs > 0 {
		out.Mask |= unix.STATX_BTIME
		out.Btime = fuse.SxTime{Sec: uint64(d.BtimeNs / 1e9), Nsec: uint32(d.BtimeNs % 1e9)}
	}
}

// Statx answers a file item's attributes with its birth time.
func (n *fileNode) Statx(ctx context.Context, f gofs.FileHandle, flags, mask uint32,
	out *fuse.StatxOut) syscall.Errno {
	dir, name, _ := n.where()
	d, err := n.fsys.cat.Lookup(n.ds.ID, dir, name)
	if err != nil {
		return n.fsys.errnoOf("statx", err)
	}
	n.fsys.fillStatx(&d, false, &out.Statx)
	return 0
}

// Statx answers a sidecar's attributes.
func (n *sidecarNode) Statx(ctx context.Context, f gofs.FileHandle, flags, mask uint32,
	out *fuse.StatxOut) syscall.Errno {
	d, err := n.fsys.cat.Lookup(n.ds.ID, n.dir, n.name)
	if err != nil {
		return n.fsys.errnoOf("statx", err)
	}
	n.fsys.fillStatx(&d, true, &out.Statx)
	return 0
}

// Statx answers a folder's attributes.
func (n *dirNode) Statx(ctx context.Context, f gofs.FileHandle, flags, mask uint32,
	out *fuse.StatxOut) syscall.Errno {
	d, err := n.fsys.cat.Stat(n.ds, n.dirPath())
	if err != nil {
		return n.fsys.errnoOf("statx", err)
	}
	n.fsys.fillStatx(&d, false, &out.Statx)
	return 0
}
