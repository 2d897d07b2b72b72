package fs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/meta/sysmeta"
)

// stage holds the bytes of a file item open for writing. Every handle of
// one node shares it, so that a read sees what another handle wrote.
//
// Until the first change it reads the item's committed blob (base); the
// first write or truncate copies those bytes into a staging file (work)
// and changes go there. commit fsyncs the staging file, moves it into the
// blob store, and only then points the item at it in one catalog
// transaction: a crash before that leaves the old bytes in place and a
// staging leftover that the next mount removes.
type stage struct {
	fsys *filesystem
	ds   *meta.Dataset
	id   string
	tgt  *writeTarget

	mu       sync.Mutex // protects the fields below
	refs     int
	base     blob.Reader // committed bytes, read while work is nil
	work     *os.File    // staging copy, once changed
	workPath string      // path of work while it is in the staging folder
	size     int64
	dirty    bool
	mtimeNs  int64 // time of the last change, 0 for none
	setMtime bool  // mtimeNs was set by the user (utimens) and is kept
}

// newStage opens the committed bytes of item rec for writing.
func newStage(ctx context.Context, fsys *filesystem, ds *meta.Dataset, tgt *writeTarget,
	rec *meta.Record) (*stage, error) {
	st := &stage{fsys: fsys, ds: ds, id: rec.Item.ID, tgt: tgt}
	if rec.Blob == "" || rec.Blob == tgt.empty {
		return st, nil
	}
	r, err := tgt.store.Open(ctx, rec.Blob)
	if err != nil {
		return nil, fmt.Errorf("item %s: open blob: %w", rec.Item.ID, err)
	}
	st.base, st.size = r, r.Size()
	return st, nil
}

// readAt reads the current bytes.
func (st *stage) readAt(p []byte, off int64) (int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if off >= st.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), st.size-off)]
	switch {
	case st.work != nil:
		return st.work.ReadAt(p, off)
	case st.base != nil:
		return st.base.ReadAt(p, off)
	}
	return 0, io.EOF
}

// writeAt writes p at off, growing the file as needed.
func (st *stage) writeAt(p []byte, off int64) (int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.ensureWorkLocked(st.size); err != nil {
		return 0, err
	}
	n, err := st.work.WriteAt(p, off)
	if end := off + int64(n); end > st.size {
		st.size = end
	}
	st.touchLocked()
	return n, err
}

// sizeNow returns the current length.
func (st *stage) sizeNow() int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.size
}

// truncate sets the length to size.
func (st *stage) truncate(size int64) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if size == st.size && st.work != nil {
		return nil
	}
	if err := st.ensureWorkLocked(min(size, st.size)); err != nil {
		return err
	}
	if err := st.work.Truncate(size); err != nil {
		return fmt.Errorf("truncate staging file: %w", err)
	}
	st.size = size
	st.touchLocked()
	return nil
}

// setTime records a modification time set by the user, stored as the
// item's updatedAt at commit.
func (st *stage) setTime(t time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.mtimeNs, st.setMtime = t.Truncate(time.Millisecond).UnixNano(), true
	st.dirty = true
}

// attr returns the length and modification time to show (0: the entry's).
func (st *stage) attr() (int64, int64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.size, st.mtimeNs
}

func (st *stage) touchLocked() {
	st.dirty = true
	if !st.setMtime {
		// Item times keep milliseconds: show what will be stored.
		st.mtimeNs = time.Now().Truncate(time.Millisecond).UnixNano()
	}
}

// ensureWorkLocked makes the staging copy, holding the first keep bytes of
// the committed ones.
func (st *stage) ensureWorkLocked(keep int64) error {
	if st.work != nil {
		return nil
	}
	f, err := os.CreateTemp(st.tgt.staging, "write-*")
	if err != nil {
		return fmt.Errorf("item %s: create staging file: %w", st.id, err)
	}
	if st.base != nil && keep > 0 {
		_, err = io.Copy(f, io.NewSectionReader(st.base, 0, keep))
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("item %s: copy bytes to staging: %w", st.id, err)
	}
	if st.base != nil {
		st.base.Close()
		st.base = nil
	}
	st.work, st.workPath = f, f.Name()
	return nil
}

// commit stores the changed bytes and points the item at them; after a
// time change alone it only records the time; without changes it does
// nothing. An item removed meanwhile is left removed.
func (st *stage) commit(ctx context.Context) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.dirty {
		return nil
	}
	var ref blob.Ref
	var sys map[string]any
	if st.work != nil {
		var err error
		if ref, err = st.storeLocked(ctx); err != nil {
			return err
		}
		name := st.id
		if rec, err := st.fsys.cat.Record(st.ds.ID, st.id); err == nil {
			name = rec.Item.Filename
		}
		if sys, err = sysmeta.Probe(st.readerLocked(), st.size, name); err != nil {
			return fmt.Errorf("item %s: %w", st.id, err)
		}
	}
	err := st.pointLocked(ref.Key, sys)
	if errors.Is(err, meta.ErrNotFound) {
		st.fsys.log.Debug("changes to a removed item dropped", "item", st.id)
		err = nil
	}
	if err == nil {
		st.dirty = false
	}
	return err
}

// pointLocked records the new blob key (when not "") with its system
// metadata, and the modification time, in one transaction.
func (st *stage) pointLocked(key string, sys map[string]any) error {
	// The time of the last change (or the one the user set), as the
	// handle showed it while the bytes were staged.
	updated := meta.Now()
	if st.mtimeNs != 0 {
		updated = meta.FormatTime(time.Unix(0, st.mtimeNs))
	}
	return st.fsys.cat.Update(func(tx *meta.Tx) error {
		rec, err := tx.Record(st.ds.ID, st.id)
		if err != nil {
			return err
		}
		if key != "" {
			old := rec.Item.System()
			for _, k := range probedOnly {
				delete(old, k)
			}
			for k, v := range sys {
				old[k] = v
			}
			rec.Blob = key
		}
		rec.Item.UpdatedAt = updated
		return tx.PutItem(st.ds, rec, nil)
	})
}

// probedOnly are the system metadata keys that only some contents have: a
// new content that lacks them must not keep the old values.
var probedOnly = []string{"width", "height", "channels", "exif"}

// storeLocked fsyncs the staging copy, names it by its sha256 and stores
// it: moved into a store that adopts staged files, else copied by Put.
func (st *stage) storeLocked(ctx context.Context) (blob.Ref, error) {
	if err := st.work.Sync(); err != nil {
		return blob.Ref{}, fmt.Errorf("item %s: fsync staging file: %w", st.id, err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(st.work, 0, st.size)); err != nil {
		return blob.Ref{}, fmt.Errorf("item %s: hash staging file: %w", st.id, err)
	}
	ref := blob.Ref{Key: hex.EncodeToString(h.Sum(nil)), Size: st.size}
	if st.tgt.stager == nil {
		ref, err := st.tgt.store.Put(ctx, io.NewSectionReader(st.work, 0, st.size), st.size)
		if err != nil {
			return blob.Ref{}, fmt.Errorf("item %s: store bytes: %w", st.id, err)
		}
		return ref, nil
	}
	if err := st.tgt.stager.Adopt(st.workPath, ref); err != nil {
		return blob.Ref{}, fmt.Errorf("item %s: store bytes: %w", st.id, err)
	}
	// The file is the blob now: it is read, never written again; the
	// next change makes a new staging copy.
	st.base = &stagedFile{File: st.work, size: st.size}
	st.work, st.workPath = nil, ""
	return ref, nil
}

// readerLocked returns the current bytes as a ReaderAt.
func (st *stage) readerLocked() io.ReaderAt {
	if st.work != nil {
		return st.work
	}
	if st.base != nil {
		return st.base
	}
	return emptyReader{}
}

// release drops one reference and, with the last, closes the files and
// removes a staging copy that was not stored. It reports whether that was
// the last reference.
func (st *stage) release() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.refs--
	if st.refs > 0 {
		return false
	}
	if st.dirty {
		st.fsys.log.Warn("changes to a file were not stored (the last flush failed)",
			"item", st.id)
	}
	if st.base != nil {
		st.base.Close()
		st.base = nil
	}
	if st.work != nil {
		st.work.Close()
		st.work = nil
	}
	if st.workPath != "" {
		os.Remove(st.workPath)
		st.workPath = ""
	}
	return true
}

// stagedFile is a stored staging file read as a blob.
type stagedFile struct {
	*os.File
	size int64
}

func (f *stagedFile) Size() int64 { return f.size }

// emptyReader reads no bytes.
type emptyReader struct{}

func (emptyReader) ReadAt(p []byte, off int64) (int, error) { return 0, io.EOF }

// errnoOfIO maps a local I/O error of a staging file.
func errnoOfIO(err error) syscall.Errno {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return syscall.EIO
}
