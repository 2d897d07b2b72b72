package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// rootNode is the mount's root when every dataset is a top-level folder.
type rootNode struct {
	gofs.Inode
	fsys *filesystem
}

var (
	_ gofs.NodeLookuper  = (*rootNode)(nil)
	_ gofs.NodeReaddirer = (*rootNode)(nil)
	_ gofs.NodeGetattrer = (*rootNode)(nil)
)

// Lookup finds a dataset by name.
func (n *rootNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	ds, err := n.fsys.cat.Dataset(name)
	if err != nil || ds.Name != name {
		return nil, syscall.ENOENT
	}
	d, err := n.fsys.cat.Stat(ds, "/")
	if err != nil {
		return nil, n.fsys.errnoOf("lookup", err)
	}
	n.fsys.fillAttr(&d, &out.Attr)
	node := &dirNode{fsys: n.fsys, ds: ds, path: "/"}
	return n.NewInode(ctx, node, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: ds.RootInode}), 0
}

// Readdir lists the datasets.
func (n *rootNode) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	all, err := n.fsys.cat.Datasets()
	if err != nil {
		return nil, n.fsys.errnoOf("readdir", err)
	}
	list := make([]fuse.DirEntry, 0, len(all))
	for _, ds := range all {
		list = append(list, fuse.DirEntry{Name: ds.Name, Mode: syscall.S_IFDIR, Ino: ds.RootInode})
	}
	return gofs.NewListDirStream(list), 0
}

// Getattr answers the root's attributes.
func (n *rootNode) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	out.Mode = syscall.S_IFDIR | n.fsys.perm(0o755)
	out.Owner = fuse.Owner{Uid: n.fsys.opt.UID, Gid: n.fsys.opt.GID}
	out.Nlink = 2
	return 0
}
