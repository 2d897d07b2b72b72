package meta

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// Special items are Dataloop's "shebang" items: JSON files whose content
// says "shebang": "dataloop" and points at other items of the dataset. The
// catalog keeps what such an item points at beside its record (key
// S<ds><item>), and its folder entry follows: a link item is a symlink to
// its target's path, a collection a folder of symlinks to its members. The
// item record itself is left as it came, so `dlfs show`, exports and the
// user.dl.item attribute give back the item JSON unchanged.
//
// Targets are resolved when the special item is stored: relative symlinks,
// so that they work wherever the dataset is mounted. A target stored later
// (or moved later) is picked up the next time the special item is stored;
// the import stores special items after all the others for that reason.

// Kinds of special items.
const (
	// SpecialLink shows as a symlink to Refs[0].
	SpecialLink = "link"
	// SpecialCollection shows as a folder holding one symlink per member
	// (Dataloop's "collection" and "multi" items).
	SpecialCollection = "collection"
)

// Special says how a special item shows in the mount.
type Special struct {
	// Kind is SpecialLink or SpecialCollection.
	Kind string `json:"kind"`
	// Refs are the ids of the items pointed at, in order: the one target of
	// a link, the members of a collection.
	Refs []string `json:"refs"`
}

const pSpecial = 'S'

func specialKey(ds, id string) []byte {
	return append(append([]byte{pSpecial}, ds...), id...)
}

// maySpecial tells whether it could be a special item: only JSON files
// are, so other items cost no catalog read.
func maySpecial(it *Item) bool {
	if it.Type == TypeDir {
		return false
	}
	if strings.EqualFold(path.Ext(it.Filename), ".json") {
		return true
	}
	sys, _ := it.Metadata["system"].(map[string]any)
	mt, _ := sys["mimetype"].(string)
	return mt == "application/json"
}

// SetSpecial marks item id of ds as special (nil makes it an ordinary
// item again) and rewrites its folder entry. It returns the refs that name
// no item of ds: a link whose target is missing stays an ordinary file, a
// collection leaves the missing members out.
func (tx *Tx) SetSpecial(ds *Dataset, id string, sp *Special) (missing []string, err error) {
	rec, err := tx.record(ds.ID, id)
	if err != nil {
		return nil, err
	}
	if !maySpecial(rec.Item) {
		return nil, fmt.Errorf("%w: item %s (%s) is not a JSON file", ErrInvalid, id,
			rec.Item.Filename)
	}
	key := specialKey(ds.ID, id)
	if sp == nil {
		err = tx.txn.Delete(key)
	} else {
		if sp.Kind != SpecialLink && sp.Kind != SpecialCollection {
			return nil, fmt.Errorf("%w: special item kind %q", ErrInvalid, sp.Kind)
		}
		data, _ := json.Marshal(sp)
		err = tx.txn.Set(key, data)
		for _, ref := range sp.Refs {
			if _, rerr := tx.record(ds.ID, ref); errors.Is(rerr, ErrNotFound) {
				missing = append(missing, ref)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return missing, tx.PutItem(ds, rec, nil)
}

// special returns the special description of item id, or nil.
func (tx *Tx) special(ds, id string) (*Special, error) {
	return txnSpecial(tx.txn, ds, id)
}

func txnSpecial(txn *badger.Txn, ds, id string) (*Special, error) {
	data, err := txnGet(txn, specialKey(ds, id))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sp := new(Special)
	if err := json.Unmarshal(data, sp); err != nil {
		return nil, fmt.Errorf("item %s: special record: %w", id, err)
	}
	return sp, nil
}

// Special returns how item id of dataset ds shows when it is a special
// item, or nil for an ordinary item.
func (c *Catalog) Special(ds, id string) (sp *Special, err error) {
	err = c.view(func(txn *badger.Txn) error {
		sp, err = txnSpecial(txn, ds, id)
		return err
	})
	return sp, err
}

// specialEntry turns d, the folder entry being written for rec, into a
// symlink or a collection folder when rec is a special item, writing the
// collection's member links. It is called for every stored item.
func (tx *Tx) specialEntry(ds *Dataset, rec *Record, d *Dirent) error {
	it := rec.Item
	if !maySpecial(it) {
		return nil
	}
	sp, err := tx.special(ds.ID, it.ID)
	if err != nil {
		return err
	}
	old, err := tx.dropMembers(ds, it.Filename)
	if err != nil || sp == nil {
		return err
	}
	switch sp.Kind {
	case SpecialLink:
		if len(sp.Refs) == 0 {
			return nil
		}
		target, err := tx.record(ds.ID, sp.Refs[0])
		if errors.Is(err, ErrNotFound) {
			return nil // shown as the plain JSON file until the target comes
		}
		if err != nil {
			return err
		}
		d.Kind, d.Size, d.AnnSize = KindLink, 0, 0
		d.Target = relativeTarget(it.Dir, target.Item.Filename)
	case SpecialCollection:
		d.Kind, d.Size, d.AnnSize = KindDir, 0, 0
		return tx.putMembers(ds, it.Filename, sp.Refs, d, old)
	}
	return nil
}

// putMembers writes one symlink entry per member found into the
// collection folder dir, named after the member (with ~2, ~3, ... before
// the extension when two members share a name). Names seen before keep
// their inode numbers (old).
func (tx *Tx) putMembers(ds *Dataset, dir string, refs []string, folder *Dirent,
	old map[string]uint64) error {
	used := map[string]bool{}
	for _, ref := range refs {
		rec, err := tx.record(ds.ID, ref)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		name := memberName(rec.Item.Filename, used)
		ino := old[name]
		if ino == 0 {
			if ino, err = tx.c.nextInode(); err != nil {
				return err
			}
		}
		m := Dirent{Name: name, Kind: KindLink, Inode: ino, MtimeNs: folder.MtimeNs,
			BtimeNs: folder.BtimeNs, Target: relativeTarget(dir, rec.Item.Filename)}
		if err := tx.txn.Set(entKey(ds.ID, dir, name), m.encode()); err != nil {
			return err
		}
	}
	return nil
}

// memberName picks a free name for a member link after the base name of
// its target, and marks it used.
func memberName(target string, used map[string]bool) string {
	_, name := SplitPath(target)
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for n := 2; used[name]; n++ {
		name = stem + "~" + strconv.Itoa(n) + ext
	}
	used[name] = true
	return name
}

// dropMembers removes the member links of a collection at p (symlink
// entries that belong to no item), returning their inode numbers by name.
// Entries of items stored inside the folder are kept.
func (tx *Tx) dropMembers(ds *Dataset, p string) (map[string]uint64, error) {
	prefix := entPrefix(ds.ID, p)
	opt := badger.DefaultIteratorOptions
	opt.Prefix = prefix
	it := tx.txn.NewIterator(opt)
	var keys [][]byte
	inodes := map[string]uint64{}
	for it.Rewind(); it.Valid(); it.Next() {
		name := string(it.Item().Key()[len(prefix):])
		var d Dirent
		err := it.Item().Value(func(v []byte) (err error) {
			d, err = decodeDirent(name, v)
			return err
		})
		if err != nil {
			it.Close()
			return nil, err
		}
		if d.Kind == KindLink && d.ItemID == "" {
			keys = append(keys, it.Item().KeyCopy(nil))
			inodes[name] = d.Inode
		}
	}
	it.Close()
	for _, k := range keys {
		if err := tx.txn.Delete(k); err != nil {
			return nil, err
		}
	}
	return inodes, nil
}

// moveSpecial carries the member links of a collection moving from
// old to it over to its new path (the entry written next re-aims them),
// so that they keep their inode numbers.
func (tx *Tx) moveSpecial(ds *Dataset, old, it *Item) error {
	if !maySpecial(old) {
		return nil
	}
	inodes, err := tx.dropMembers(ds, old.Filename)
	if err != nil || !maySpecial(it) {
		return err
	}
	for name, ino := range inodes {
		m := Dirent{Name: name, Kind: KindLink, Inode: ino}
		if err := tx.txn.Set(entKey(ds.ID, it.Filename, name), m.encode()); err != nil {
			return err
		}
	}
	return nil
}

// dropSpecial clears what a deleted special item left in the catalog: its
// member links and its special record.
func (tx *Tx) dropSpecial(ds *Dataset, it *Item) error {
	if !maySpecial(it) {
		return nil
	}
	if _, err := tx.dropMembers(ds, it.Filename); err != nil {
		return err
	}
	return tx.txn.Delete(specialKey(ds.ID, it.ID))
}

// relativeTarget returns the path of target relative to folder dir, both
// cleaned absolute paths: "/a/b" to "/c/d.jpg" is "../../c/d.jpg".
func relativeTarget(dir, target string) string {
	split := func(p string) []string {
		if p == "/" {
			return nil
		}
		return strings.Split(p[1:], "/")
	}
	from, to := split(dir), split(target)
	common := 0
	for common < len(from) && common < len(to) && from[common] == to[common] {
		common++
	}
	parts := make([]string, 0, len(from)-common+len(to)-common)
	for range from[common:] {
		parts = append(parts, "..")
	}
	parts = append(parts, to[common:]...)
	if len(parts) == 0 {
		return "."
	}
	return strings.Join(parts, "/")
}
