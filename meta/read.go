package meta

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

func txnRecord(txn *badger.Txn, ds, id string) (*Record, error) {
	data, err := txnGet(txn, itemKey(ds, id))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("item %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return decodeRecord(data)
}

func decodeRecord(data []byte) (*Record, error) {
	rec := new(Record)
	if err := json.Unmarshal(data, rec); err != nil {
		return nil, fmt.Errorf("item record: %w", err)
	}
	if rec.Item == nil {
		return nil, fmt.Errorf("item record without item")
	}
	return rec, nil
}

func txnEntry(txn *badger.Txn, ds, dir, name string) (Dirent, error) {
	data, err := txnGet(txn, entKey(ds, dir, name))
	if errors.Is(err, ErrNotFound) {
		return Dirent{}, fmt.Errorf("%s: %w", joinPath(dir, name), ErrNotFound)
	}
	if err != nil {
		return Dirent{}, err
	}
	return decodeDirent(name, data)
}

// Record returns the item record with id in dataset ds.
func (c *Catalog) Record(ds, id string) (rec *Record, err error) {
	err = c.view(func(txn *badger.Txn) error {
		rec, err = txnRecord(txn, ds, id)
		return err
	})
	return rec, err
}

// Lookup returns the entry name in folder dir of dataset ds. Hidden items
// are returned too; callers that list decide whether to show them.
func (c *Catalog) Lookup(ds, dir, name string) (d Dirent, err error) {
	err = c.view(func(txn *badger.Txn) error {
		d, err = txnEntry(txn, ds, dir, name)
		return err
	})
	return d, err
}

// Stat returns the entry at a full path; "/" answers a folder entry with
// the dataset's root inode.
func (c *Catalog) Stat(ds *Dataset, path string) (Dirent, error) {
	p, err := CleanFilename(path)
	if err != nil {
		return Dirent{}, err
	}
	if p == "/" {
		return Dirent{Name: "/", Kind: KindDir, Inode: ds.RootInode,
			MtimeNs: parseTimeNs(ds.CreatedAt), BtimeNs: parseTimeNs(ds.CreatedAt)}, nil
	}
	dir, name := SplitPath(p)
	return c.Lookup(ds.ID, dir, name)
}

// List calls fn for the entries of folder dir in name order, starting
// after the name after ("" for the start), until fn returns false. At most
// limit entries are read (0: no limit). It returns the last name seen.
func (c *Catalog) List(ds, dir, after string, limit int, fn func(Dirent) bool) (string, error) {
	last := after
	err := c.view(func(txn *badger.Txn) error {
		prefix := entPrefix(ds, dir)
		opt := badger.DefaultIteratorOptions
		opt.Prefix = prefix
		opt.PrefetchSize = 256
		it := txn.NewIterator(opt)
		defer it.Close()
		start := prefix
		if after != "" {
			start = append(entKey(ds, dir, after), 0)
		}
		n := 0
		for it.Seek(start); it.Valid(); it.Next() {
			item := it.Item()
			name := string(item.Key()[len(prefix):])
			var d Dirent
			err := item.Value(func(v []byte) (err error) {
				d, err = decodeDirent(name, v)
				return err
			})
			if err != nil {
				return err
			}
			last = name
			n++
			if !fn(d) || (limit > 0 && n >= limit) {
				return nil
			}
		}
		return nil
	})
	return last, err
}

// SidecarJSON returns the bytes of the item's X.annotations.json.
func (c *Catalog) SidecarJSON(ds, id string) (data []byte, err error) {
	err = c.view(func(txn *badger.Txn) error {
		data, err = txnGet(txn, annKey(ds, id))
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return EncodeSidecar(nil)
	}
	return data, err
}

// Annotations returns the item's annotations.
func (c *Catalog) Annotations(ds, id string) ([]Annotation, error) {
	data, err := c.SidecarJSON(ds, id)
	if err != nil {
		return nil, err
	}
	return DecodeAnnotations(data)
}

// Items calls fn for every item record of dataset ds, in id order, until
// fn returns an error, which Items returns.
func (c *Catalog) Items(ds string, fn func(*Record) error) error {
	return c.view(func(txn *badger.Txn) error {
		opt := badger.DefaultIteratorOptions
		opt.Prefix = itemPrefix(ds)
		it := txn.NewIterator(opt)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var rec *Record
			err := it.Item().Value(func(v []byte) (err error) {
				rec, err = decodeRecord(v)
				return err
			})
			if err != nil {
				return err
			}
			if err := fn(rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// ItemByPath returns the record of the item at path.
func (c *Catalog) ItemByPath(ds *Dataset, path string) (*Record, error) {
	d, err := c.Stat(ds, path)
	if err != nil {
		return nil, err
	}
	if d.ItemID == "" {
		return nil, fmt.Errorf("%s: a folder, not an item: %w", path, ErrNotFound)
	}
	return c.Record(ds.ID, d.ItemID)
}
