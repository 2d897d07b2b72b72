package fs

import (
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/dlfs/dlfs/meta"
)

// sidecarSuffix names the virtual annotations file beside each item.
const sidecarSuffix = ".annotations.json"

// sidecarIno derives the stable inode number of an item's sidecar.
func sidecarIno(itemIno uint64) uint64 { return itemIno | 1<<62 }

// fillAttr sets out from a folder entry.
func (fsys *filesystem) fillAttr(d *meta.Dirent, out *fuse.Attr) {
	out.Ino = d.Inode
	out.Owner = fuse.Owner{Uid: fsys.opt.UID, Gid: fsys.opt.GID}
	switch d.Kind {
	case meta.KindDir:
		out.Mode = syscall.S_IFDIR | fsys.perm(0o755)
		out.Nlink = 2
		out.Size = 4096
	case meta.KindLink:
		out.Mode = syscall.S_IFLNK | 0o777
		out.Nlink = 1
		out.Size = uint64(len(d.Target))
	default:
		out.Mode = syscall.S_IFREG | fsys.perm(0o644)
		out.Nlink = 1
		out.Size = uint64(d.Size)
	}
	out.Blksize = 1 << 16
	out.Blocks = (out.Size + 511) / 512
	setTimes(out, d.MtimeNs)
}

// fillSidecarAttr sets out for the sidecar of the item entry d.
func (fsys *filesystem) fillSidecarAttr(d *meta.Dirent, out *fuse.Attr) {
	out.Ino = sidecarIno(d.Inode)
	out.Owner = fuse.Owner{Uid: fsys.opt.UID, Gid: fsys.opt.GID}
	out.Mode = syscall.S_IFREG | fsys.perm(0o644)
	out.Nlink = 1
	out.Size = uint64(d.AnnSize)
	out.Blksize = 1 << 16
	out.Blocks = (out.Size + 511) / 512
	setTimes(out, d.MtimeNs)
}

// perm drops the write bits on a read-only mount.
func (fsys *filesystem) perm(mode uint32) uint32 {
	if fsys.opt.ReadOnly {
		return mode &^ 0o222
	}
	return mode
}

func setTimes(out *fuse.Attr, ns int64) {
	if ns < 0 {
		ns = 0
	}
	sec, nsec := uint64(ns/1e9), uint32(ns%1e9)
	out.Mtime, out.Mtimensec = sec, nsec
	out.Ctime, out.Ctimensec = sec, nsec
	out.Atime, out.Atimensec = sec, nsec
}

// modeOf returns the file type bits of an entry.
func modeOf(d *meta.Dirent) uint32 {
	switch d.Kind {
	case meta.KindDir:
		return syscall.S_IFDIR
	case meta.KindLink:
		return syscall.S_IFLNK
	}
	return syscall.S_IFREG
}
