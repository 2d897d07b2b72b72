package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/meta"
)

// controlName is the hidden folder at a dataset's root that holds the
// virtual views (query/, preview/). It is not listed, so `find` and `cp -r`
// of the dataset do not descend into it; it is reached by name.
const controlName = ".dlfs"

// controlInoBase marks the inode numbers of virtual nodes: the catalog's
// numbers stay far below it.
const controlInoBase = 1 << 61

// View is a virtual folder under .dlfs/ (query/, preview/): it gets the
// dataset and answers the lookup of its name.
type View interface {
	// Name is the folder's name under .dlfs/.
	Name() string
	// Node returns the folder's node for dataset ds.
	Node(fsys Env, ds *meta.Dataset) gofs.InodeEmbedder
}

// Env is what a View may use of the mount.
type Env interface {
	Catalog() *meta.Catalog
	// FileNode returns the node of a file item (reads its blob) and of
	// its sidecar, for views that show items as they are.
	FileNode(ds *meta.Dataset, dir string, d *meta.Dirent) gofs.InodeEmbedder
	SidecarNode(ds *meta.Dataset, dir string, d *meta.Dirent) gofs.InodeEmbedder
	// FillAttr fills attributes of an entry, or of its sidecar.
	FillAttr(d *meta.Dirent, sidecar bool, out *fuse.Attr)
	// Errno maps an error to an errno, logging unexpected ones.
	Errno(op string, err error) syscall.Errno
	// Blobs returns the blob store of ds, opened once for the mount's life.
	Blobs(ctx context.Context, ds *meta.Dataset) (blob.Store, error)
}

// controlDir is MOUNT/.dlfs of one dataset.
type controlDir struct {
	gofs.Inode
	fsys *filesystem
	ds   *meta.Dataset
}

var (
	_ gofs.NodeLookuper  = (*controlDir)(nil)
	_ gofs.NodeReaddirer = (*controlDir)(nil)
	_ gofs.NodeGetattrer = (*controlDir)(nil)
)

// Lookup finds a view by name.
func (n *controlDir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	for i, v := range n.fsys.opt.Views {
		if v.Name() != name {
			continue
		}
		ino := controlIno(n.ds, uint64(i+2))
		n.fsys.fillVirtualDir(ino, &out.Attr)
		return n.NewInode(ctx, v.Node(n.fsys, n.ds), gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: ino}), 0
	}
	return nil, syscall.ENOENT
}

// Readdir lists the views.
func (n *controlDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	var list []fuse.DirEntry
	for i, v := range n.fsys.opt.Views {
		list = append(list, fuse.DirEntry{Name: v.Name(), Mode: syscall.S_IFDIR,
			Ino: controlIno(n.ds, uint64(i+2))})
	}
	return gofs.NewListDirStream(list), 0
}

// Getattr answers a read-only folder.
func (n *controlDir) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.fsys.fillVirtualDir(controlIno(n.ds, 1), &out.Attr)
	return 0
}

// controlIno numbers the fixed virtual folders of a dataset.
func controlIno(ds *meta.Dataset, k uint64) uint64 {
	return controlInoBase | ds.RootInode<<8 | k
}

// fillVirtualDir sets the attributes of a virtual, read-only folder.
func (fsys *filesystem) fillVirtualDir(ino uint64, out *fuse.Attr) {
	out.Ino = ino
	out.Mode = syscall.S_IFDIR | 0o555
	out.Nlink = 2
	out.Size = 4096
	out.Owner = fuse.Owner{Uid: fsys.opt.UID, Gid: fsys.opt.GID}
}

// lookupControl answers `.dlfs` at a dataset's root.
func (n *dirNode) lookupControl(ctx context.Context, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	ino := controlIno(n.ds, 1)
	n.fsys.fillVirtualDir(ino, &out.Attr)
	node := &controlDir{fsys: n.fsys, ds: n.ds}
	return n.NewInode(ctx, node, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: ino}), 0
}

// The filesystem is the Env of its views.

func (fsys *filesystem) Catalog() *meta.Catalog { return fsys.cat }

func (fsys *filesystem) FileNode(ds *meta.Dataset, dir string, d *meta.Dirent) gofs.InodeEmbedder {
	return &fileNode{fsys: fsys, ds: ds, itemID: d.ItemID, dir: dir, name: d.Name}
}

func (fsys *filesystem) SidecarNode(ds *meta.Dataset, dir string, d *meta.Dirent) gofs.InodeEmbedder {
	return &sidecarNode{fsys: fsys, ds: ds, dir: dir, name: d.Name, itemID: d.ItemID}
}

func (fsys *filesystem) FillAttr(d *meta.Dirent, sidecar bool, out *fuse.Attr) {
	if sidecar {
		fsys.fillSidecarAttr(d, out)
		return
	}
	fsys.fillAttr(d, out)
}

func (fsys *filesystem) Errno(op string, err error) syscall.Errno { return fsys.errnoOf(op, err) }

func (fsys *filesystem) Blobs(ctx context.Context, ds *meta.Dataset) (blob.Store, error) {
	return fsys.store(ctx, ds)
}
