package meta

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Tx is one writing transaction of the catalog (see Catalog.Update). It is
// not safe for concurrent use.
type Tx struct {
	c        *Catalog
	txn      *badger.Txn
	onCommit []func()
}

// Record is an item as the catalog keeps it: the item JSON (without its
// annotations), the key of its bytes in the dataset's blob backend, and
// its inode number.
type Record struct {
	Item  *Item  `json:"item"`
	Blob  string `json:"blob,omitempty"`
	Inode uint64 `json:"ino"`
}

// OnCommit registers f to run after the transaction commits (hooks such as
// index maintenance or kernel notifications).
func (tx *Tx) OnCommit(f func()) { tx.onCommit = append(tx.onCommit, f) }

// PutItem stores rec (creating or replacing the item with rec.Item.ID) in
// dataset ds, creating the folders on its path. When anns is not nil the
// item's annotations are replaced by anns and annotationsCount and
// annotated follow. The item's filename is checked and dir and name derived
// from it; an item already at that path with another id is ErrExists.
func (tx *Tx) PutItem(ds *Dataset, rec *Record, anns []Annotation) error {
	it := rec.Item
	fn, err := CleanFilename(it.Filename)
	if err != nil {
		return err
	}
	if !IsID(it.ID) {
		return fmt.Errorf("%w: item id %q is not 24 lowercase hex digits", ErrInvalid, it.ID)
	}
	if fn == "/" {
		return fmt.Errorf("%w: item %s: the root cannot be an item", ErrBadPath, it.ID)
	}
	it.Filename = fn
	it.Dir, _ = SplitPath(fn)
	if it.Name == "" {
		_, it.Name = SplitPath(fn)
	}
	it.DatasetID = ds.ID
	if it.Type == "" {
		it.Type = TypeFile
	}
	delete(it.Extra, "annotations")

	old, err := tx.record(ds.ID, it.ID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := tx.claimPath(ds, it, old); err != nil {
		return err
	}
	rec.Inode = 0
	if old != nil {
		rec.Inode = old.Inode
	}
	if rec.Inode == 0 {
		if rec.Inode, err = tx.c.nextInode(); err != nil {
			return err
		}
	}
	if anns == nil && old != nil {
		// The stored annotations stay, and so do their counts.
		it.AnnotationsCount, it.Annotated = old.Item.AnnotationsCount, old.Item.Annotated
	}
	annSize, annCount, err := tx.putAnnotations(ds.ID, it, anns)
	if err != nil {
		return err
	}
	if err := tx.putRecord(ds.ID, rec); err != nil {
		return err
	}
	if err := tx.reindex(ds.ID, rec, anns); err != nil {
		return fmt.Errorf("item %s: index: %w", it.ID, err)
	}
	return tx.putEntry(ds, rec, annSize, annCount)
}

// claimPath makes sure it's path is free for it, removing its old entry
// when the item moves, and creating the folders on the way.
func (tx *Tx) claimPath(ds *Dataset, it *Item, old *Record) error {
	dir, name := SplitPath(it.Filename)
	cur, err := tx.entry(ds.ID, dir, name)
	switch {
	case err == nil && cur.ItemID != it.ID && !(cur.Kind == KindDir && it.Type == TypeDir && cur.ItemID == ""):
		return fmt.Errorf("item %s at %s: %w (item %q is there)", it.ID, it.Filename,
			ErrExists, cur.ItemID)
	case err != nil && !errors.Is(err, ErrNotFound):
		return err
	}
	if old != nil && old.Item.Filename != it.Filename {
		odir, oname := SplitPath(old.Item.Filename)
		if err := tx.txn.Delete(entKey(ds.ID, odir, oname)); err != nil {
			return err
		}
		if err := tx.moveSpecial(ds, old.Item, it); err != nil {
			return err
		}
	}
	return tx.mkdirAll(ds, dir)
}

// mkdirAll creates the folder entries of dir and its parents.
func (tx *Tx) mkdirAll(ds *Dataset, dir string) error {
	if dir == "/" {
		return nil
	}
	parent, name := SplitPath(dir)
	cur, err := tx.entry(ds.ID, parent, name)
	if err == nil {
		if cur.Kind != KindDir {
			return fmt.Errorf("folder %s: %w (a file is there)", dir, ErrExists)
		}
		return nil
	}
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := tx.mkdirAll(ds, parent); err != nil {
		return err
	}
	ino, err := tx.c.nextInode()
	if err != nil {
		return err
	}
	now := time.Now().UnixNano()
	d := Dirent{Name: name, Kind: KindDir, Inode: ino, MtimeNs: now, BtimeNs: now}
	return tx.txn.Set(entKey(ds.ID, parent, name), d.encode())
}

// Mkdir creates an empty folder at path (and its parents).
func (tx *Tx) Mkdir(ds *Dataset, path string) error {
	p, err := CleanFilename(path)
	if err != nil {
		return err
	}
	return tx.mkdirAll(ds, p)
}

// putAnnotations stores anns as the item's sidecar bytes and returns the
// sidecar's length and count. With anns nil the stored ones are kept.
func (tx *Tx) putAnnotations(ds string, it *Item, anns []Annotation) (int64, uint32, error) {
	if anns == nil {
		data, err := tx.get(annKey(ds, it.ID))
		if errors.Is(err, ErrNotFound) {
			data, err = EncodeSidecar(nil)
		}
		if err != nil {
			return 0, 0, err
		}
		return int64(len(data)), uint32(it.AnnotationsCount), nil
	}
	for _, a := range anns {
		if a.ID() == "" {
			a["id"] = NewID()
		}
		// Annotations keep the ids they came with (an export may hold
		// items gathered from several datasets); missing ones are filled.
		if _, ok := a["itemId"].(string); !ok {
			a["itemId"] = it.ID
		}
		if _, ok := a["datasetId"].(string); !ok {
			a["datasetId"] = it.DatasetID
		}
	}
	data, err := EncodeSidecar(anns)
	if err != nil {
		return 0, 0, fmt.Errorf("item %s: annotations: %w", it.ID, err)
	}
	it.AnnotationsCount = len(anns)
	if s, _ := it.Annotated.(string); s != "discarded" {
		it.Annotated = len(anns) > 0
	}
	if err := tx.txn.Set(annKey(ds, it.ID), data); err != nil {
		return 0, 0, err
	}
	return int64(len(data)), uint32(len(anns)), nil
}

// EncodeSidecar returns the bytes of X.annotations.json: the annotations
// as a pretty-printed JSON array ending in a newline.
func EncodeSidecar(anns []Annotation) ([]byte, error) {
	if anns == nil {
		anns = []Annotation{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(anns); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (tx *Tx) putRecord(ds string, rec *Record) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("item %s: %w", rec.Item.ID, err)
	}
	return tx.txn.Set(itemKey(ds, rec.Item.ID), data)
}

// putEntry writes the folder entry of rec.
func (tx *Tx) putEntry(ds *Dataset, rec *Record, annSize int64, annCount uint32) error {
	it := rec.Item
	dir, name := SplitPath(it.Filename)
	d := Dirent{
		Name: name, Kind: KindFile, Hidden: it.Hidden, Inode: rec.Inode,
		Size: max(it.Size(), 0), AnnSize: annSize, AnnCount: annCount, ItemID: it.ID,
	}
	d.BtimeNs = parseTimeNs(it.CreatedAt)
	d.MtimeNs = parseTimeNs(it.UpdatedAt)
	if d.MtimeNs == 0 {
		d.MtimeNs = d.BtimeNs
	}
	if it.Type == TypeDir {
		d.Kind, d.Size, d.AnnSize = KindDir, 0, 0
		if cur, err := tx.entry(ds.ID, dir, name); err == nil {
			d.Inode = cur.Inode // the folder keeps its number
		}
	}
	if err := tx.specialEntry(ds, rec, &d); err != nil {
		return err
	}
	return tx.txn.Set(entKey(ds.ID, dir, name), d.encode())
}

// DeleteItem removes an item, its folder entry and its annotations.
// Folders stay. A missing item is ErrNotFound.
func (tx *Tx) DeleteItem(ds *Dataset, id string) (*Record, error) {
	rec, err := tx.record(ds.ID, id)
	if err != nil {
		return nil, err
	}
	if err := tx.dropSpecial(ds, rec.Item); err != nil {
		return nil, err
	}
	if err := tx.unindex(ds.ID, id); err != nil {
		return nil, fmt.Errorf("item %s: index: %w", id, err)
	}
	dir, name := SplitPath(rec.Item.Filename)
	for _, k := range [][]byte{itemKey(ds.ID, id), annKey(ds.ID, id), entKey(ds.ID, dir, name)} {
		if err := tx.txn.Delete(k); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

func parseTimeNs(s string) int64 {
	if s == "" {
		return 0
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0
	}
	return t.UnixNano()
}

// get returns a copy of the value at key, or ErrNotFound.
func (tx *Tx) get(key []byte) ([]byte, error) { return txnGet(tx.txn, key) }

func txnGet(txn *badger.Txn, key []byte) ([]byte, error) {
	it, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return it.ValueCopy(nil)
}

func (tx *Tx) record(ds, id string) (*Record, error) { return txnRecord(tx.txn, ds, id) }

func (tx *Tx) entry(ds, dir, name string) (Dirent, error) {
	return txnEntry(tx.txn, ds, dir, name)
}

// Record reads an item record inside the transaction.
func (tx *Tx) Record(ds, id string) (*Record, error) { return tx.record(ds, id) }

// Entry reads a folder entry inside the transaction.
func (tx *Tx) Entry(ds, dir, name string) (Dirent, error) { return tx.entry(ds, dir, name) }
