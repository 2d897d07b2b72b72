package meta

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// IndexedFields are the item fields with a secondary index, as dotted
// paths into the item JSON. Every leaf under metadata.user is indexed as
// well, and of annotations their label and type.
var IndexedFields = []string{
	"dir", "filename", "annotated", "createdAt", "updatedAt",
	"metadata.system.mimetype", "metadata.system.width",
	"metadata.system.height", "metadata.system.size",
}

// userPrefix starts the paths of user metadata, all of which are indexed.
const userPrefix = "metadata.user."

// Index fields of the annotations of an item.
const (
	annAnyField   = "@"
	annLabelField = "@label"
	annTypeField  = "@type"
)

// isIndexedItemField reports whether the item path field has an index.
// A path with a numeric element is not: it may index into an array.
func isIndexedItemField(field string) bool {
	if slices.Contains(IndexedFields, field) {
		return true
	}
	if !strings.HasPrefix(field, userPrefix) {
		return false
	}
	for _, el := range strings.Split(field[len(userPrefix):], ".") {
		if el == "" || strings.Trim(el, "0123456789") == "" {
			return false
		}
	}
	return true
}

// annotationIndexField returns the index field of an annotation path, or
// "" when the path has no index.
func annotationIndexField(field string) string {
	switch field {
	case "label":
		return annLabelField
	case "type":
		return annTypeField
	}
	return ""
}

// itemIndexEntries returns the sorted, distinct index entries
// ("<field>\x00<value>") of an item, read from its fields the way they
// appear in the item's JSON (Item.Map), without encoding it.
func itemIndexEntries(it *Item) [][]byte {
	var ents [][]byte
	emit := func(field string, val []byte) {
		ents = append(ents, append(fieldPrefix(field), val...))
	}
	top := map[string]any{"dir": it.Dir, "filename": it.Filename,
		"annotated": it.Annotated, "metadata": it.Metadata}
	for k, v := range map[string]string{"createdAt": it.CreatedAt, "updatedAt": it.UpdatedAt} {
		if v != "" { // omitted from the JSON when empty
			top[k] = v
		}
	}
	for _, f := range IndexedFields {
		if v, ok := lookupObject(top, f); ok {
			walkIndexValue(f, v, emit)
		}
	}
	if v, ok := lookupObject(top, "metadata.user"); ok {
		if m, ok := asObject(v); ok {
			for k, c := range m {
				if validIndexKey(k) {
					walkIndexValue(userPrefix+k, c, emit)
				}
			}
		}
	}
	return sortEntries(ents)
}

// asObject returns v as a JSON object, converting other Go maps.
func asObject(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	j, _ := jsonForm(v)
	m, ok := j.(map[string]any)
	return m, ok
}

// jsonForm returns v as encoding/json decodes it (numbers as json.Number),
// for values set by Go code in types other than the decoded ones; ok is
// false when v has no JSON form.
func jsonForm(v any) (out any, ok bool) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return out, dec.Decode(&out) == nil
}

// annotationIndexEntries returns the index entries of an item's
// annotations.
func annotationIndexEntries(anns []Annotation) [][]byte {
	if len(anns) == 0 {
		return nil
	}
	ents := [][]byte{fieldPrefix(annAnyField)}
	emit := func(field string, val []byte) {
		ents = append(ents, append(fieldPrefix(field), val...))
	}
	for _, a := range anns {
		if v, ok := a["label"]; ok {
			walkIndexValue(annLabelField, v, emit)
		}
		if v, ok := a["type"]; ok {
			walkIndexValue(annTypeField, v, emit)
		}
	}
	return sortEntries(ents)
}

func sortEntries(ents [][]byte) [][]byte {
	slices.SortFunc(ents, bytes.Compare)
	return slices.CompactFunc(ents, bytes.Equal)
}

// lookupObject follows a dotted path through nested objects.
func lookupObject(m map[string]any, path string) (any, bool) {
	for {
		key, rest, more := strings.Cut(path, ".")
		v, ok := m[key]
		if !ok || !more {
			return v, ok
		}
		if m, ok = v.(map[string]any); !ok {
			return nil, false
		}
		path = rest
	}
}

// validIndexKey reports whether an object key can be part of an indexed
// path: a query cannot name keys holding '.', and keys never hold NUL.
func validIndexKey(k string) bool {
	return k != "" && !strings.ContainsAny(k, ".\x00")
}

// walkIndexValue emits the entries of value v at field, the way queries
// find values: an object or array marks the field present, array elements
// count as values of the field itself, and objects (also inside arrays)
// give their keys as sub-fields. Arrays directly inside arrays are not
// looked into, as queries do not look into them either.
func walkIndexValue(field string, v any, emit func(field string, val []byte)) {
	switch v := v.(type) {
	case map[string]any:
		emit(field, []byte{tagObject})
		for k, c := range v {
			if validIndexKey(k) {
				walkIndexValue(field+"."+k, c, emit)
			}
		}
	case []any:
		emit(field, []byte{tagObject})
		for _, e := range v {
			if _, nested := e.([]any); !nested {
				walkIndexValue(field, e, emit)
			}
		}
	case nil:
		emit(field, []byte{tagNull})
	case string:
		emit(field, encodeString(nil, v))
	case bool:
		emit(field, encodeBool(nil, v))
	default:
		if f, ok := jsonNumber(v); ok {
			emit(field, encodeNumber(nil, f))
			return
		}
		if _, num := v.(json.Number); !num { // else a number out of float64 range
			if j, ok := jsonForm(v); ok {
				walkIndexValue(field, j, emit)
				return
			}
		}
		emit(field, []byte{tagObject}) // present, but JSON cannot hold it
	}
}

// jsonNumber returns a numeric JSON value as float64.
func jsonNumber(v any) (float64, bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	}
	return 0, false
}

// reindex brings the index entries of rec's item in step with its state as
// just written in this transaction. With anns nil the item's annotations
// did not change, and their entries are kept as they were.
func (tx *Tx) reindex(ds string, rec *Record, anns []Annotation) error {
	ents := itemIndexEntries(rec.Item)
	old, err := tx.indexEntryList(ds, rec.Item.ID)
	if err != nil {
		return err
	}
	if anns != nil {
		ents = append(ents, annotationIndexEntries(anns)...)
	} else {
		for _, e := range old {
			if e[0] == '@' {
				ents = append(ents, e)
			}
		}
	}
	return tx.setIndexEntries(ds, rec.Item.ID, old, sortEntries(ents))
}

// unindex removes the index entries of item id.
func (tx *Tx) unindex(ds, id string) error {
	old, err := tx.indexEntryList(ds, id)
	if err != nil {
		return err
	}
	return tx.setIndexEntries(ds, id, old, nil)
}

// indexEntryList returns the entries item id has in the index.
func (tx *Tx) indexEntryList(ds, id string) ([][]byte, error) {
	data, err := tx.get(entryListKey(ds, id))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeEntryList(data), nil
}

// setIndexEntries replaces the entries old of item id by ents (both
// sorted): keys only in old are deleted, keys only in ents are written.
func (tx *Tx) setIndexEntries(ds, id string, old, ents [][]byte) error {
	if err := tx.noteIndexUse(id); err != nil {
		return err
	}
	for _, e := range old {
		if _, found := slices.BinarySearchFunc(ents, e, bytes.Compare); !found {
			if err := tx.txn.Delete(entryKey(ds, e, id)); err != nil {
				return err
			}
		}
	}
	var list []byte
	for _, e := range ents {
		list = appendEntryList(list, e)
		if _, found := slices.BinarySearchFunc(old, e, bytes.Compare); !found {
			if err := tx.txn.Set(entryKey(ds, e, id), nil); err != nil {
				return err
			}
		}
	}
	if len(ents) == 0 {
		return tx.txn.Delete(entryListKey(ds, id))
	}
	return tx.txn.Set(entryListKey(ds, id), list)
}

// txnHasItems reports whether the transaction sees any item other than id.
func txnHasItems(txn *badger.Txn, id string) bool {
	opt := badger.DefaultIteratorOptions
	opt.Prefix = []byte{pItem}
	opt.PrefetchValues = false
	it := txn.NewIterator(opt)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if !bytes.HasSuffix(it.Item().Key(), []byte(id)) {
			return true
		}
	}
	return false
}
