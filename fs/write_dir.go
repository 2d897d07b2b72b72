package fs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/meta/sysmeta"
)

// folderMoveBatch is how many items one transaction of a batched folder
// move holds.
const folderMoveBatch = 512

// renameNoReplace is renameat2's RENAME_NOREPLACE.
const renameNoReplace = 0x1

var (
	_ gofs.NodeCreater  = (*dirNode)(nil)
	_ gofs.NodeMkdirer  = (*dirNode)(nil)
	_ gofs.NodeUnlinker = (*dirNode)(nil)
	_ gofs.NodeRmdirer  = (*dirNode)(nil)
	_ gofs.NodeRenamer  = (*dirNode)(nil)
	_ gofs.NodeLinker   = (*dirNode)(nil)
)

// reserved reports whether name in folder dir is the control folder.
func reserved(dir, name string) bool { return dir == "/" && name == controlName }

// Create creates a new file item (empty until its bytes are flushed) and
// opens it. An existing file, or an item's sidecar, is opened instead
// unless O_EXCL is given.
func (n *dirNode) Create(ctx context.Context, name string, flags uint32, mode uint32,
	out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	tgt, errno := n.fsys.target(ctx, n.ds)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	dir := n.dirPath()
	if reserved(dir, name) {
		return nil, nil, 0, syscall.EEXIST
	}
	if d, err := n.fsys.cat.Lookup(n.ds.ID, dir, name); err == nil && !d.Hidden {
		return n.openExisting(ctx, dir, &d, false, flags, out)
	}
	if owner, ok := n.fsys.sidecarOwner(n.ds, dir, name); ok {
		return n.openExisting(ctx, dir, &owner, true, flags, out)
	}
	rec, err := newFileRecord(joinPath(dir, name), tgt.empty)
	if err == nil {
		err = n.fsys.cat.Update(func(tx *meta.Tx) error { return tx.PutItem(n.ds, rec, nil) })
	}
	if err != nil {
		return nil, nil, 0, n.fsys.errnoOf("create", err)
	}
	d, err := n.fsys.cat.Lookup(n.ds.ID, dir, name)
	if err != nil {
		return nil, nil, 0, n.fsys.errnoOf("create", err)
	}
	child := n.child(ctx, dir, &d, false, out)
	fh, fl, errno := child.Operations().(*fileNode).openWrite(ctx, flags)
	return child, fh, fl, errno
}

// openExisting answers a create of a name that exists: the file (or
// sidecar) is opened, as open(2) without O_EXCL does.
func (n *dirNode) openExisting(ctx context.Context, dir string, d *meta.Dirent, sidecar bool,
	flags uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	if flags&syscall.O_EXCL != 0 {
		return nil, nil, 0, syscall.EEXIST
	}
	if d.Kind != meta.KindFile {
		return nil, nil, 0, syscall.EISDIR
	}
	child := n.child(ctx, dir, d, sidecar, out)
	opener, ok := child.Operations().(gofs.NodeOpener)
	if !ok {
		return nil, nil, 0, syscall.EACCES
	}
	fh, fl, errno := opener.Open(ctx, flags|syscall.O_WRONLY)
	return child, fh, fl, errno
}

// newFileRecord builds a new, empty file item at path.
func newFileRecord(path, emptyBlob string) (*meta.Record, error) {
	sys, err := sysmeta.Probe(emptyReader{}, 0, path)
	if err != nil {
		return nil, err
	}
	now := meta.Now()
	it := &meta.Item{ID: meta.NewID(), Filename: path, Type: meta.TypeFile,
		CreatedAt: now, UpdatedAt: now, Metadata: map[string]any{"system": sys}}
	return &meta.Record{Item: it, Blob: emptyBlob}, nil
}

// Mkdir creates an empty folder.
func (n *dirNode) Mkdir(ctx context.Context, name string, mode uint32,
	out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if _, errno := n.fsys.target(ctx, n.ds); errno != 0 {
		return nil, errno
	}
	dir := n.dirPath()
	if reserved(dir, name) {
		return nil, syscall.EEXIST
	}
	if _, err := n.fsys.cat.Lookup(n.ds.ID, dir, name); err == nil {
		return nil, syscall.EEXIST
	}
	if _, ok := n.fsys.sidecarOwner(n.ds, dir, name); ok {
		return nil, syscall.EEXIST
	}
	p := joinPath(dir, name)
	if err := n.fsys.cat.Update(func(tx *meta.Tx) error { return tx.Mkdir(n.ds, p) }); err != nil {
		return nil, n.fsys.errnoOf("mkdir", err)
	}
	d, err := n.fsys.cat.Lookup(n.ds.ID, dir, name)
	if err != nil {
		return nil, n.fsys.errnoOf("mkdir", err)
	}
	return n.child(ctx, dir, &d, false, out), 0
}

// Unlink removes a file item with its annotations. An item's sidecar
// cannot be removed on its own (EPERM): write [] to it to clear them.
func (n *dirNode) Unlink(ctx context.Context, name string) syscall.Errno {
	if _, errno := n.fsys.target(ctx, n.ds); errno != 0 {
		return errno
	}
	dir := n.dirPath()
	d, err := n.fsys.cat.Lookup(n.ds.ID, dir, name)
	if err != nil {
		if _, ok := n.fsys.sidecarOwner(n.ds, dir, name); ok {
			n.fsys.log.Info("refused: an annotations file goes with its item; remove the "+
				"item, or write [] to clear the annotations", "op", "unlink",
				"path", joinPath(dir, name))
			return syscall.EPERM
		}
		return n.fsys.errnoOf("unlink", err)
	}
	if d.Kind == meta.KindDir {
		return syscall.EISDIR
	}
	err = n.fsys.cat.Update(func(tx *meta.Tx) error {
		_, err := tx.DeleteItem(n.ds, d.ItemID)
		return err
	})
	if err != nil {
		return n.fsys.errnoOf("unlink", err)
	}
	invalidate(n.EmbeddedInode(), name+sidecarSuffix)
	return 0
}

// Rmdir removes an empty folder (ENOTEMPTY otherwise; hidden items count).
func (n *dirNode) Rmdir(ctx context.Context, name string) syscall.Errno {
	if _, errno := n.fsys.target(ctx, n.ds); errno != 0 {
		return errno
	}
	dir := n.dirPath()
	if reserved(dir, name) {
		return syscall.EPERM
	}
	p := joinPath(dir, name)
	err := n.fsys.cat.Update(func(tx *meta.Tx) error { return tx.RemoveFolder(n.ds, p) })
	if errors.Is(err, meta.ErrInvalid) {
		return syscall.ENOTDIR
	}
	return n.fsys.errnoOf("rmdir", err)
}

// Link refuses hard links: an item has exactly one path.
func (n *dirNode) Link(ctx context.Context, target gofs.InodeEmbedder, name string,
	out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	n.fsys.log.Info("refused: hard links are not supported, an item has one path; "+
		"copy the file instead", "op", "link", "path", joinPath(n.dirPath(), name))
	return nil, syscall.ENOTSUP
}

// Rename moves a file or a folder, within a dataset. A file renamed over
// an item's X.annotations.json replaces X's annotations with the file's
// JSON (how sed -i and editors that write a temporary file save), and the
// file is gone.
func (n *dirNode) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder,
	newName string, flags uint32) syscall.Errno {
	if _, errno := n.fsys.target(ctx, n.ds); errno != 0 {
		return errno
	}
	np, ok := newParent.(*dirNode)
	if !ok || np.ds.ID != n.ds.ID {
		return syscall.EXDEV
	}
	if flags&gofs.RENAME_EXCHANGE != 0 {
		return syscall.EINVAL
	}
	noReplace := flags&renameNoReplace != 0
	dir, ndir := n.dirPath(), np.dirPath()
	if reserved(dir, name) || reserved(ndir, newName) {
		return syscall.EPERM
	}
	src, err := n.fsys.cat.Lookup(n.ds.ID, dir, name)
	if err != nil {
		if _, ok := n.fsys.sidecarOwner(n.ds, dir, name); ok {
			n.fsys.log.Info("refused: an annotations file goes with its item and cannot be "+
				"moved away; copy it instead", "op", "rename", "path", joinPath(dir, name))
			return syscall.EPERM
		}
		return n.fsys.errnoOf("rename", err)
	}
	from, to := joinPath(dir, name), joinPath(ndir, newName)
	if src.Kind == meta.KindDir {
		return n.renameFolder(from, to, noReplace)
	}
	if owner, ok := n.fsys.sidecarOwner(n.ds, ndir, newName); ok && src.Kind == meta.KindFile {
		if noReplace {
			return syscall.EEXIST
		}
		errno := n.applyAnnotationsFile(ctx, &src, &owner, to)
		if errno == 0 {
			// The kernel moved the file's inode to the sidecar's name;
			// make it look the name up again.
			invalidate(np.EmbeddedInode(), newName)
		}
		return errno
	}
	errno := n.renameItem(&src, to, ndir, newName, noReplace)
	if errno == 0 {
		invalidate(n.EmbeddedInode(), name+sidecarSuffix)
		invalidate(np.EmbeddedInode(), newName+sidecarSuffix)
	}
	return errno
}

// renameFolder moves a folder and everything under it.
func (n *dirNode) renameFolder(from, to string, noReplace bool) syscall.Errno {
	if from == to {
		return 0
	}
	if d, err := n.fsys.cat.Stat(n.ds, to); err == nil {
		if noReplace {
			return syscall.EEXIST
		}
		if d.Kind != meta.KindDir {
			return syscall.ENOTDIR
		}
	}
	err := n.fsys.cat.Update(func(tx *meta.Tx) error { return tx.MoveFolder(n.ds, from, to) })
	if meta.IsTxnTooBig(err) {
		n.fsys.log.Info("folder too large to move in one transaction; moving it in batches",
			"from", from, "to", to)
		err = n.fsys.cat.MoveFolderInBatches(n.ds, from, to, folderMoveBatch)
	}
	return n.fsys.errnoOf("rename", err)
}

// renameItem moves a file item, replacing what is at the target.
func (n *dirNode) renameItem(src *meta.Dirent, to, ndir, newName string,
	noReplace bool) syscall.Errno {
	if dst, err := n.fsys.cat.Lookup(n.ds.ID, ndir, newName); err == nil {
		switch {
		case dst.ItemID == src.ItemID:
			return 0
		case noReplace:
			return syscall.EEXIST
		case dst.Kind == meta.KindDir:
			return syscall.EISDIR
		}
	}
	err := n.fsys.cat.Update(func(tx *meta.Tx) error {
		_, err := tx.MoveItem(n.ds, src.ItemID, to, !noReplace)
		return err
	})
	return n.fsys.errnoOf("rename", err)
}

// applyAnnotationsFile replaces the annotations of owner with the JSON
// held by item src, and removes src, in one transaction. Invalid JSON is
// EINVAL and changes nothing.
func (n *dirNode) applyAnnotationsFile(ctx context.Context, src, owner *meta.Dirent,
	to string) syscall.Errno {
	data, err := n.fsys.readItem(ctx, n.ds, src.ItemID)
	if err != nil {
		return n.fsys.errnoOf("rename", err)
	}
	anns, err := meta.ParseSidecar(data)
	if err == nil {
		err = n.fsys.cat.Update(func(tx *meta.Tx) error {
			rec, err := tx.Record(n.ds.ID, owner.ItemID)
			if err != nil {
				return err
			}
			rec.Item.UpdatedAt = meta.Now()
			if err := tx.PutItem(n.ds, rec, anns); err != nil {
				return err
			}
			_, err = tx.DeleteItem(n.ds, src.ItemID)
			return err
		})
	}
	if err != nil {
		return n.fsys.annotationsRefused("rename", to, err)
	}
	return 0
}

// readItem returns the committed bytes of a file item small enough to be
// annotations.
func (fsys *filesystem) readItem(ctx context.Context, ds *meta.Dataset, id string) ([]byte, error) {
	rec, err := fsys.cat.Record(ds.ID, id)
	if err != nil {
		return nil, err
	}
	if rec.Item.Size() > maxSidecarWrite {
		return nil, fmt.Errorf("%w: %s is too large for annotations", meta.ErrInvalid,
			rec.Item.Filename)
	}
	store, err := fsys.store(ctx, ds)
	if err != nil {
		return nil, err
	}
	r, err := store.Open(ctx, rec.Blob)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
}
