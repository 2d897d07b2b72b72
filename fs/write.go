package fs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/meta"
)

// How the mount writes (a writable mount, the default):
//
//  1. A file created by open(O_CREAT) is an item at once, pointing at the
//     empty blob, so that it is listed and found like any other.
//  2. Its bytes wait in a staging file inside the blob store (stage): the
//     committed blob is copied there at the first write, not at open, and
//     not at all after a truncate to zero (O_TRUNC).
//  3. At close (flush) or fsync the staging file is fsynced, named by its
//     sha256, moved into the store, and only then one catalog transaction
//     points the item at it, with system metadata probed from the bytes and
//     updatedAt. A crash leaves the old item or the new one; staging
//     leftovers are removed at the next mount (cmd/dlfs: blob/local Clean).
//  4. Readers that opened the old blob keep reading it: blobs never change.
//  5. X.annotations.json collects what is written in memory and replaces
//     X's annotations at close; invalid JSON answers EINVAL and keeps them.
//     A file renamed over X.annotations.json (sed -i, editors writing a
//     temporary file) is applied the same way and removed. Temporary files
//     of editors are ordinary items while they exist.
//  6. A folder moves in one transaction. One too large for that (some
//     thousands of items) moves in batches: a crash in between leaves part
//     of its files at each name (see meta.Catalog.MoveFolderInBatches).
//
// Limits: hard links, symlink creation and O_TMPFILE are refused; modes and
// owners are fixed by the mount (chmod and chown are accepted and ignored);
// an annotations file cannot be removed or renamed away on its own (EPERM).

// stager is a blob store with a staging folder on the same disk: a
// finished staging file is moved into the store (blob/local).
type stager interface {
	StagingDir() string
	Adopt(tmpPath string, ref blob.Ref) error
}

// writeTarget is what a write into a dataset needs: the blob store, the
// folder where bytes wait until they are stored, and the key of the empty
// blob that new files start with.
type writeTarget struct {
	store   blob.Store
	stager  stager // nil when the store cannot adopt staged files
	staging string
	empty   string
	errno   syscall.Errno // EROFS for a backend that refuses writes
}

// target returns where the writes of ds go, or EROFS on a read-only mount
// or backend. The first call per store stores the empty blob, which both
// checks that the backend takes writes and gives new files their bytes.
func (fsys *filesystem) target(ctx context.Context,
	ds *meta.Dataset) (*writeTarget, syscall.Errno) {
	if fsys.opt.ReadOnly {
		return nil, syscall.EROFS
	}
	store, err := fsys.store(ctx, ds)
	if err != nil {
		return nil, fsys.errnoOf("write", err)
	}
	if t, ok := fsys.targets.Load(store); ok {
		t := t.(*writeTarget)
		return t, t.errno
	}
	t := &writeTarget{store: store}
	ref, err := store.Put(ctx, bytes.NewReader(nil), 0)
	switch {
	case errors.Is(err, blob.ErrReadOnly):
		fsys.log.Info("dataset is on a read-only backend; its files refuse changes (EROFS)",
			"dataset", ds.Name, "backend", ds.Backend)
		t.errno = syscall.EROFS
	case err != nil:
		err = fmt.Errorf("dataset %s: store empty blob: %w", ds.Name, err)
		return nil, fsys.errnoOf("write", err)
	}
	t.empty = ref.Key
	if s, ok := store.(stager); ok {
		t.stager, t.staging = s, s.StagingDir()
	} else {
		// The store's own staging folder: blob/local.Clean empties it at
		// mount start.
		t.staging = filepath.Join(fsys.cat.Dir(), "staging")
		if err := os.MkdirAll(t.staging, 0o700); err != nil {
			return nil, fsys.errnoOf("write", err)
		}
	}
	actual, _ := fsys.targets.LoadOrStore(store, t)
	t = actual.(*writeTarget)
	return t, t.errno
}

// invalidate tells the kernel to forget the names in folder parent and
// drops them from the inode tree. It runs in its own goroutine: the kernel
// holds the folder's lock while the operation that changed it waits for
// its answer, and a notification sent from inside would wait for ever.
func invalidate(parent *gofs.Inode, names ...string) {
	if parent == nil || len(names) == 0 {
		return
	}
	go func() {
		for _, name := range names {
			parent.NotifyEntry(name)
		}
	}()
}

// isSidecarName reports whether name has the sidecar suffix, and the name
// of the item it would belong to.
func isSidecarName(name string) (string, bool) {
	base, ok := strings.CutSuffix(name, sidecarSuffix)
	return base, ok && base != ""
}

// sidecarOwner returns the file entry whose sidecar name is in folder
// dir, when name is such a sidecar and no entry of its own has that name.
func (fsys *filesystem) sidecarOwner(ds *meta.Dataset, dir, name string) (meta.Dirent, bool) {
	base, ok := isSidecarName(name)
	if !ok {
		return meta.Dirent{}, false
	}
	if _, err := fsys.cat.Lookup(ds.ID, dir, name); err == nil {
		return meta.Dirent{}, false
	}
	d, err := fsys.cat.Lookup(ds.ID, dir, base)
	if err != nil || d.Hidden || d.Kind != meta.KindFile {
		return meta.Dirent{}, false
	}
	return d, true
}

// setAnnotations replaces the annotations of item id with anns and marks
// the item updated.
func (fsys *filesystem) setAnnotations(ds *meta.Dataset, id string, anns []meta.Annotation) error {
	return fsys.cat.Update(func(tx *meta.Tx) error {
		rec, err := tx.Record(ds.ID, id)
		if err != nil {
			return err
		}
		rec.Item.UpdatedAt = meta.Now()
		return tx.PutItem(ds, rec, anns)
	})
}

// updateItem applies change to item id's record and stores it.
func (fsys *filesystem) updateItem(ds *meta.Dataset, id string,
	change func(*meta.Item) error) error {
	return fsys.cat.Update(func(tx *meta.Tx) error {
		rec, err := tx.Record(ds.ID, id)
		if err != nil {
			return err
		}
		if err := change(rec.Item); err != nil {
			return err
		}
		return tx.PutItem(ds, rec, nil)
	})
}

// errIsNotFound reports a missing item, folder or metadata leaf.
func errIsNotFound(err error) bool { return errors.Is(err, meta.ErrNotFound) }

// annotationsRefused logs why new annotations were not stored and answers
// EINVAL for invalid ones; the stored annotations are unchanged.
func (fsys *filesystem) annotationsRefused(op, path string, err error) syscall.Errno {
	if errors.Is(err, meta.ErrInvalid) {
		fsys.log.Warn("annotations refused; the stored ones are kept", "op", op,
			"path", path, "reason", err)
		return syscall.EINVAL
	}
	return fsys.errnoOf(op, err)
}

// inDataset reports whether node in sits in a dataset's folder tree, not
// in a virtual view under .dlfs/, whose files are read-only.
func inDataset(in *gofs.Inode) bool {
	_, parent := in.Parent()
	if parent == nil {
		return true // removed while open: it was reached through a folder
	}
	_, ok := parent.Operations().(*dirNode)
	return ok
}
