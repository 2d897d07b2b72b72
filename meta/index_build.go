package meta

import (
	"errors"
	"fmt"
	"sync"
	"weak"

	"github.com/dgraph-io/badger/v4"
)

// The index is versioned by the key !index/version. A store written by a
// dlfs without indexes, or with an older index layout, has no or another
// version; the first search on it rebuilds the index (Catalog.Search calls
// ensureIndex). A store whose first item is written with indexes in place
// is marked current by that write and never needs a rebuild.
var indexVersionKey = []byte("!index/version")

// indexVersion changes whenever the entries of an item change meaning.
const indexVersion = "1"

// rebuildBatch is how many items one transaction of a rebuild indexes.
const rebuildBatch = 1000

var (
	// indexCurrent holds the catalogs whose index is known current, so
	// that writes and searches skip the version check.
	indexCurrent sync.Map // weak.Pointer[Catalog] -> struct{}

	// rebuildMu serialises the check-and-rebuild of ensureIndex.
	rebuildMu sync.Mutex
)

func (c *Catalog) indexKnownCurrent() bool {
	_, ok := indexCurrent.Load(weak.Make(c))
	return ok
}

func (c *Catalog) setIndexCurrent(current bool) {
	if current {
		indexCurrent.Store(weak.Make(c), struct{}{})
		return
	}
	indexCurrent.Delete(weak.Make(c))
}

// noteIndexUse is called by every index write. On a store with no item but
// item id (being written now), it records the index version, so that the
// new store needs no rebuild.
func (tx *Tx) noteIndexUse(id string) error {
	if tx.c.indexKnownCurrent() {
		return nil
	}
	v, err := tx.get(indexVersionKey)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	switch {
	case string(v) == indexVersion:
	case txnHasItems(tx.txn, id):
		return nil // an older store: the next search rebuilds
	default:
		if err := tx.txn.Set(indexVersionKey, []byte(indexVersion)); err != nil {
			return err
		}
	}
	tx.OnCommit(func() { tx.c.setIndexCurrent(true) })
	return nil
}

// ensureIndex rebuilds the index when the store's version is not current.
func (c *Catalog) ensureIndex() error {
	if c.indexKnownCurrent() {
		return nil
	}
	rebuildMu.Lock()
	defer rebuildMu.Unlock()
	var v []byte
	err := c.view(func(txn *badger.Txn) (err error) {
		v, err = txnGet(txn, indexVersionKey)
		return err
	})
	if err == nil && string(v) == indexVersion {
		c.setIndexCurrent(true)
		return nil
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("index version: %w", err)
	}
	return c.RebuildIndex()
}

// RebuildIndex drops the secondary indexes of every dataset and builds
// them again from the items and annotations, in transactions of
// rebuildBatch items. Writers may run meanwhile: each write keeps its own
// item's entries in step. Searches wait for the rebuild to end.
//
// The steps:
//  1. remove the version key, so that searches know the index is not
//     usable, and delete every index key;
//  2. index every item of every dataset, from its stored record and
//     annotations;
//  3. write the version key.
func (c *Catalog) RebuildIndex() error {
	c.setIndexCurrent(false)
	if err := c.Update(func(tx *Tx) error { return tx.txn.Delete(indexVersionKey) }); err != nil {
		return fmt.Errorf("rebuild index: %w", err)
	}
	if err := c.dropIndexKeys(); err != nil {
		return fmt.Errorf("rebuild index: %w", err)
	}
	dss, err := c.Datasets()
	if err != nil {
		return fmt.Errorf("rebuild index: %w", err)
	}
	for _, ds := range dss {
		if err := c.rebuildDatasetIndex(ds.ID); err != nil {
			return fmt.Errorf("rebuild index of %s: %w", ds.Name, err)
		}
	}
	err = c.Update(func(tx *Tx) error {
		tx.OnCommit(func() { c.setIndexCurrent(true) })
		return tx.txn.Set(indexVersionKey, []byte(indexVersion))
	})
	if err != nil {
		return fmt.Errorf("rebuild index: %w", err)
	}
	return nil
}

// dropIndexKeys deletes every index key, a batch per transaction.
func (c *Catalog) dropIndexKeys() error {
	for {
		n := 0
		err := c.Update(func(tx *Tx) error {
			keys := tx.keysWithPrefix([]byte{'X'}, 20*rebuildBatch)
			n = len(keys)
			for _, k := range keys {
				if err := tx.txn.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || n == 0 {
			return err
		}
	}
}

// keysWithPrefix returns up to limit keys starting with prefix.
func (tx *Tx) keysWithPrefix(prefix []byte, limit int) [][]byte {
	opt := badger.DefaultIteratorOptions
	opt.Prefix = prefix
	opt.PrefetchValues = false
	it := tx.txn.NewIterator(opt)
	defer it.Close()
	var keys [][]byte
	for it.Rewind(); it.Valid() && len(keys) < limit; it.Next() {
		keys = append(keys, it.Item().KeyCopy(nil))
	}
	return keys
}

// rebuildDatasetIndex indexes every item of dataset ds.
func (c *Catalog) rebuildDatasetIndex(ds string) error {
	after := ""
	for {
		var ids []string
		err := c.Update(func(tx *Tx) error {
			ids = tx.itemIDsAfter(ds, after, rebuildBatch)
			for _, id := range ids {
				if err := tx.indexStoredItem(ds, id); err != nil {
					return fmt.Errorf("item %s: %w", id, err)
				}
			}
			return nil
		})
		if err != nil || len(ids) == 0 {
			return err
		}
		after = ids[len(ids)-1]
	}
}

// itemIDsAfter returns up to limit item ids of ds following after.
func (tx *Tx) itemIDsAfter(ds, after string, limit int) []string {
	opt := badger.DefaultIteratorOptions
	opt.Prefix = itemPrefix(ds)
	opt.PrefetchValues = false
	it := tx.txn.NewIterator(opt)
	defer it.Close()
	var ids []string
	start := itemPrefix(ds)
	if after != "" {
		start = append(itemKey(ds, after), 0)
	}
	for it.Seek(start); it.Valid() && len(ids) < limit; it.Next() {
		ids = append(ids, string(it.Item().Key()[len(opt.Prefix):]))
	}
	return ids
}

// indexStoredItem writes the entries of item id from its stored record
// and annotations.
func (tx *Tx) indexStoredItem(ds, id string) error {
	rec, err := tx.record(ds, id)
	if err != nil {
		return err
	}
	data, err := tx.get(annKey(ds, id))
	if errors.Is(err, ErrNotFound) {
		data, err = EncodeSidecar(nil)
	}
	if err != nil {
		return err
	}
	anns, err := DecodeAnnotations(data)
	if err != nil {
		return fmt.Errorf("annotations: %w", err)
	}
	if anns == nil {
		anns = []Annotation{}
	}
	return tx.reindex(ds, rec, anns)
}
