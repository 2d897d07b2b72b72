package meta

import "fmt"

// MoveFolderInBatches moves the folder at from, with everything under it,
// to to, for a folder too large for MoveFolder's single transaction:
//
//  1. one transaction makes room at to (an empty folder there is removed,
//     a full one is ErrNotEmpty) and creates it;
//  2. the file items move, batch per transaction, keeping their ids,
//     metadata and annotations;
//  3. one last transaction moves the dir items, recreates the folders that
//     held no item, and removes the old, now empty, folders.
//
// A crash between transactions leaves some files at the old path and some
// at the new one, each whole; moving the rest finishes the move. Folders
// get new inode numbers.
func (c *Catalog) MoveFolderInBatches(ds *Dataset, from, to string, batch int) error {
	from, to, err := checkFolderMove(from, to)
	if err != nil {
		return err
	}
	if batch <= 0 {
		batch = 256
	}
	var all []movedEntry
	err = c.Update(func(tx *Tx) error {
		if err := tx.clearFolderTarget(ds, to); err != nil {
			return err
		}
		if all, err = tx.entriesUnder(ds.ID, from); err != nil {
			return err
		}
		return tx.mkdirAll(ds, to)
	})
	if err != nil {
		return err
	}
	newPath := func(m movedEntry) string {
		return joinPath(to+m.dir[len(from):], m.d.Name)
	}
	var files, folders []movedEntry
	for _, m := range all {
		if m.d.Kind == KindDir {
			folders = append(folders, m)
		} else if m.d.ItemID != "" {
			files = append(files, m)
		}
	}
	for start := 0; start < len(files); start += batch {
		part := files[start:min(start+batch, len(files))]
		err := c.Update(func(tx *Tx) error {
			for _, m := range part {
				if err := tx.moveItem(ds, m.d.ItemID, newPath(m)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("move folder %s: files %d to %d: %w", from, start,
				start+len(part), err)
		}
	}
	return c.Update(func(tx *Tx) error { return tx.moveFolders(ds, from, to, folders, newPath) })
}

// moveFolders moves the (now file-free) folders of a batched move: dir
// items keep their ids, bare folders are recreated, the old entries go,
// deepest first.
func (tx *Tx) moveFolders(ds *Dataset, from, to string, folders []movedEntry,
	newPath func(movedEntry) string) error {
	for _, m := range folders {
		if m.d.ItemID != "" {
			if err := tx.moveItem(ds, m.d.ItemID, newPath(m)); err != nil {
				return err
			}
			continue
		}
		if err := tx.mkdirAll(ds, newPath(m)); err != nil {
			return err
		}
	}
	for i := len(folders) - 1; i >= 0; i-- {
		m := folders[i]
		if m.d.ItemID == "" {
			if err := tx.txn.Delete(entKey(ds.ID, m.dir, m.d.Name)); err != nil {
				return err
			}
		}
	}
	dir, name := SplitPath(from)
	top, err := tx.entry(ds.ID, dir, name)
	if err != nil {
		return err
	}
	if top.ItemID == "" {
		return tx.RemoveFolder(ds, from)
	}
	return tx.moveItem(ds, top.ItemID, to)
}
