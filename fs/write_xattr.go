package fs

import (
	"context"
	"strings"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"

	"github.com/dlfs/dlfs/meta"
)

// xattrUser is the prefix of the attributes that set user metadata.
const xattrUser = xattrMetadata + "user."

// maxXattrName is the longest attribute name accepted (XATTR_NAME_MAX).
const maxXattrName = 255

// setxattr(2) flags.
const (
	xattrCreate  = 0x1
	xattrReplace = 0x2
)

var (
	_ gofs.NodeSetxattrer    = (*fileNode)(nil)
	_ gofs.NodeRemovexattrer = (*fileNode)(nil)
	_ gofs.NodeSetxattrer    = (*dirNode)(nil)
	_ gofs.NodeRemovexattrer = (*dirNode)(nil)
)

// userPath checks an attribute name for a change and returns the dotted
// path below metadata.user it names. Names dlfs derives or keeps read-only
// answer EPERM, names it keeps nothing for ENOTSUP.
func (fsys *filesystem) userPath(op, name string) (string, syscall.Errno) {
	if len(name) > maxXattrName {
		return "", syscall.ERANGE
	}
	if path, ok := strings.CutPrefix(name, xattrUser); ok && path != "" {
		return path, 0
	}
	if strings.HasPrefix(name, xattrPrefix) || name == "user.mime_type" ||
		strings.HasPrefix(name, "user.xdg.") {
		fsys.log.Info("refused: only user.dl.metadata.user.* can be changed", "op", op,
			"name", name)
		return "", syscall.EPERM
	}
	return "", syscall.ENOTSUP
}

// changeUserMetadata applies change to the metadata of item id.
func (fsys *filesystem) changeUserMetadata(ctx context.Context, ds *meta.Dataset, id, op string,
	change func(*meta.Item) error) syscall.Errno {
	if _, errno := fsys.target(ctx, ds); errno != 0 {
		return errno
	}
	err := fsys.updateItem(ds, id, func(it *meta.Item) error {
		if err := change(it); err != nil {
			return err
		}
		it.UpdatedAt = meta.Now()
		return nil
	})
	switch {
	case err == nil:
		return 0
	case op == "removexattr" && errIsNotFound(err):
		return syscall.ENODATA
	case op == "setxattr" && errIsNotFound(err):
		return syscall.ENODATA // XATTR_REPLACE of a missing name
	}
	return fsys.errnoOf(op, err)
}

// setUserXattr sets the user metadata an attribute names on item id.
func (fsys *filesystem) setUserXattr(ctx context.Context, ds *meta.Dataset, id, name string,
	value []byte, flags uint32) syscall.Errno {
	if unsupportedXattr(name) {
		return syscall.ENOTSUP
	}
	path, errno := fsys.userPath("setxattr", name)
	if errno != 0 {
		return errno
	}
	if len(value) > maxXattrValue {
		return syscall.E2BIG
	}
	v := meta.UserValue(value)
	return fsys.changeUserMetadata(ctx, ds, id, "setxattr", func(it *meta.Item) error {
		return meta.SetUserMetadata(it, path, v, flags&xattrReplace != 0, flags&xattrCreate != 0)
	})
}

// removeUserXattr removes the user metadata an attribute names.
func (fsys *filesystem) removeUserXattr(ctx context.Context, ds *meta.Dataset, id,
	name string) syscall.Errno {
	if unsupportedXattr(name) {
		return syscall.ENOTSUP
	}
	path, errno := fsys.userPath("removexattr", name)
	if errno != 0 {
		return errno
	}
	return fsys.changeUserMetadata(ctx, ds, id, "removexattr", func(it *meta.Item) error {
		return meta.RemoveUserMetadata(it, path)
	})
}

// Setxattr sets user metadata of a file item.
func (n *fileNode) Setxattr(ctx context.Context, name string, value []byte,
	flags uint32) syscall.Errno {
	return n.fsys.setUserXattr(ctx, n.ds, n.id(), name, value, flags)
}

// Removexattr removes user metadata of a file item.
func (n *fileNode) Removexattr(ctx context.Context, name string) syscall.Errno {
	return n.fsys.removeUserXattr(ctx, n.ds, n.id(), name)
}

// Setxattr sets user metadata of a folder; a folder without a dir item
// gets one to hold it. The dataset's root has none (EPERM).
func (n *dirNode) Setxattr(ctx context.Context, name string, value []byte,
	flags uint32) syscall.Errno {
	if unsupportedXattr(name) {
		return syscall.ENOTSUP
	}
	if _, errno := n.fsys.userPath("setxattr", name); errno != 0 {
		return errno
	}
	id, errno := n.folderItemForWrite(ctx)
	if errno != 0 {
		return errno
	}
	return n.fsys.setUserXattr(ctx, n.ds, id, name, value, flags)
}

// Removexattr removes user metadata of a folder.
func (n *dirNode) Removexattr(ctx context.Context, name string) syscall.Errno {
	id := n.folderItem()
	if id == "" {
		if _, errno := n.fsys.userPath("removexattr", name); errno != 0 {
			return errno
		}
		return syscall.ENODATA
	}
	return n.fsys.removeUserXattr(ctx, n.ds, id, name)
}

// folderItemForWrite returns the folder's dir item, creating it.
func (n *dirNode) folderItemForWrite(ctx context.Context) (string, syscall.Errno) {
	if _, errno := n.fsys.target(ctx, n.ds); errno != 0 {
		return "", errno
	}
	p := n.dirPath()
	if p == "/" {
		n.fsys.log.Info("refused: the dataset's root folder has no item to hold metadata",
			"op", "setxattr")
		return "", syscall.EPERM
	}
	if id := n.folderItem(); id != "" {
		return id, 0
	}
	now := meta.Now()
	it := &meta.Item{ID: meta.NewID(), Filename: p, Type: meta.TypeDir, CreatedAt: now,
		UpdatedAt: now, Metadata: map[string]any{}}
	err := n.fsys.cat.Update(func(tx *meta.Tx) error {
		return tx.PutItem(n.ds, &meta.Record{Item: it}, nil)
	})
	if err != nil {
		return "", n.fsys.errnoOf("setxattr", err)
	}
	return it.ID, 0
}
