package meta

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// ItemEntry returns the record of item id and its folder entry, read
// together, so that a caller holding only the id (an open file survives
// renames) sees one consistent state.
func (c *Catalog) ItemEntry(ds, id string) (rec *Record, d Dirent, err error) {
	err = c.view(func(txn *badger.Txn) error {
		if rec, err = txnRecord(txn, ds, id); err != nil {
			return err
		}
		dir, name := SplitPath(rec.Item.Filename)
		d, err = txnEntry(txn, ds, dir, name)
		return err
	})
	return rec, d, err
}

// RemoveFolder removes the empty folder at path: its dir item when it has
// one, else its bare entry. A folder holding any entry, hidden items
// included, is ErrNotEmpty; a file there is ErrInvalid.
func (tx *Tx) RemoveFolder(ds *Dataset, path string) error {
	p, err := CleanFilename(path)
	if err != nil {
		return err
	}
	if p == "/" {
		return fmt.Errorf("%w: the root folder cannot be removed", ErrInvalid)
	}
	dir, name := SplitPath(p)
	d, err := tx.entry(ds.ID, dir, name)
	if err != nil {
		return err
	}
	if d.Kind != KindDir {
		return fmt.Errorf("%w: %s is not a folder", ErrInvalid, p)
	}
	empty, err := tx.folderEmpty(ds.ID, p)
	if err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("remove folder %s: %w", p, ErrNotEmpty)
	}
	if d.ItemID != "" {
		_, err := tx.DeleteItem(ds, d.ItemID)
		return err
	}
	return tx.txn.Delete(entKey(ds.ID, dir, name))
}

// folderEmpty reports whether folder p has no entry at all.
func (tx *Tx) folderEmpty(ds, p string) (bool, error) {
	opt := badger.DefaultIteratorOptions
	opt.Prefix = entPrefix(ds, p)
	opt.PrefetchValues = false
	it := tx.txn.NewIterator(opt)
	defer it.Close()
	it.Rewind()
	return !it.Valid(), nil
}

// movedEntry is one entry found under a folder being moved.
type movedEntry struct {
	dir string
	d   Dirent
}

// MoveFolder moves the folder at from, with everything under it, to to.
// Items keep their ids, inodes, times and annotations; their filename and
// dir change. An empty folder at to is replaced; a folder holding entries
// is ErrNotEmpty, a file there ErrExists. Moving a folder into itself is
// ErrInvalid.
//
// The whole move is one transaction: a crash leaves the folder at one
// name or the other. A folder too large for one Badger transaction (some
// thousands of items) fails with an error IsTxnTooBig recognises; the
// caller then falls back to moving items one by one.
func (tx *Tx) MoveFolder(ds *Dataset, from, to string) error {
	from, to, err := checkFolderMove(from, to)
	if err != nil {
		return err
	}
	fdir, fname := SplitPath(from)
	top, err := tx.entry(ds.ID, fdir, fname)
	if err != nil {
		return err
	}
	if top.Kind != KindDir {
		return fmt.Errorf("%w: %s is not a folder", ErrInvalid, from)
	}
	if err := tx.clearFolderTarget(ds, to); err != nil {
		return err
	}
	inside, err := tx.entriesUnder(ds.ID, from)
	if err != nil {
		return err
	}
	tdir, tname := SplitPath(to)
	if err := tx.mkdirAll(ds, tdir); err != nil {
		return err
	}
	all := append([]movedEntry{{dir: fdir, d: top}}, inside...)
	newDir := func(dir string) string { return to + strings.TrimPrefix(dir, from) }
	// Folders first, parents before children, so that items land in
	// folders that keep their inode numbers.
	for i, m := range all {
		if m.d.Kind != KindDir {
			continue
		}
		ndir, nname := newDir(m.dir), m.d.Name
		if i == 0 {
			ndir, nname = tdir, tname
		}
		if err := tx.txn.Set(entKey(ds.ID, ndir, nname), m.d.encode()); err != nil {
			return err
		}
		if err := tx.txn.Delete(entKey(ds.ID, m.dir, m.d.Name)); err != nil {
			return err
		}
	}
	for i, m := range all {
		if m.d.ItemID == "" {
			continue
		}
		target := joinPath(newDir(m.dir), m.d.Name)
		if i == 0 {
			target = to
		}
		if err := tx.moveItem(ds, m.d.ItemID, target); err != nil {
			return err
		}
	}
	return nil
}

// checkFolderMove cleans both paths and refuses a move into itself.
func checkFolderMove(from, to string) (string, string, error) {
	f, err := CleanFilename(from)
	if err != nil {
		return "", "", err
	}
	t, err := CleanFilename(to)
	if err != nil {
		return "", "", err
	}
	if f == "/" || t == "/" {
		return "", "", fmt.Errorf("%w: the root folder cannot be moved", ErrInvalid)
	}
	if t == f || strings.HasPrefix(t, f+"/") {
		return "", "", fmt.Errorf("%w: cannot move %s into itself (%s)", ErrInvalid, f, t)
	}
	return f, t, nil
}

// clearFolderTarget makes room for a folder moved to p: nothing there, or
// an empty folder, which is removed.
func (tx *Tx) clearFolderTarget(ds *Dataset, p string) error {
	dir, name := SplitPath(p)
	d, err := tx.entry(ds.ID, dir, name)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.Kind != KindDir {
		return fmt.Errorf("move folder to %s: %w (a file is there)", p, ErrExists)
	}
	return tx.RemoveFolder(ds, p)
}

// entriesUnder returns every entry below folder p, at any depth, sorted
// so that a folder comes before what it holds.
func (tx *Tx) entriesUnder(ds, p string) ([]movedEntry, error) {
	var out []movedEntry
	direct := entPrefix(ds, p)
	deeper := append(append([]byte{pEntry}, ds...), p+"/"...)
	base := len(entPrefix(ds, "")) - 1
	for _, prefix := range [][]byte{direct, deeper} {
		opt := badger.DefaultIteratorOptions
		opt.Prefix = prefix
		it := tx.txn.NewIterator(opt)
		for it.Rewind(); it.Valid(); it.Next() {
			key := it.Item().Key()
			sep := strings.IndexByte(string(key[base:]), 0)
			if sep < 0 {
				continue
			}
			dir, name := string(key[base:base+sep]), string(key[base+sep+1:])
			var d Dirent
			err := it.Item().Value(func(v []byte) (err error) {
				d, err = decodeDirent(name, v)
				return err
			})
			if err != nil {
				it.Close()
				return nil, err
			}
			out = append(out, movedEntry{dir: dir, d: d})
		}
		it.Close()
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].dir) < len(out[j].dir) })
	return out, nil
}

// moveItem points item id at filename to, keeping everything else.
func (tx *Tx) moveItem(ds *Dataset, id, to string) error {
	rec, err := tx.record(ds.ID, id)
	if err != nil {
		return err
	}
	_, name := SplitPath(to)
	rec.Item.Filename, rec.Item.Name = to, name
	return tx.PutItem(ds, rec, nil)
}

// MoveItem moves the item id to filename to (its name follows). With
// replace, an item already at to is deleted in the same transaction and
// returned; without, it is ErrExists. A folder at to is ErrExists.
func (tx *Tx) MoveItem(ds *Dataset, id, to string, replace bool) (*Record, error) {
	t, err := CleanFilename(to)
	if err != nil {
		return nil, err
	}
	dir, name := SplitPath(t)
	var gone *Record
	d, err := tx.entry(ds.ID, dir, name)
	switch {
	case err == nil && d.ItemID == id:
	case err == nil && d.Kind == KindDir:
		return nil, fmt.Errorf("move item %s to %s: %w (a folder is there)", id, t, ErrExists)
	case err == nil && !replace:
		return nil, fmt.Errorf("move item %s to %s: %w", id, t, ErrExists)
	case err == nil:
		if gone, err = tx.DeleteItem(ds, d.ItemID); err != nil {
			return nil, err
		}
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}
	return gone, tx.moveItem(ds, id, t)
}
