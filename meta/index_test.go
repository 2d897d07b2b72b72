package meta

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/dlfs/dlfs/meta/query"
)

func TestEncodeNumberOrder(t *testing.T) {
	nums := []float64{math.Inf(-1), -1e300, -5, -1.5, -1e-300, 0, 1e-300, 0.5, 1, 2, 600,
		1e300, math.Inf(1)}
	for i := 1; i < len(nums); i++ {
		a, b := encodeNumber(nil, nums[i-1]), encodeNumber(nil, nums[i])
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("%v encodes at or after %v", nums[i-1], nums[i])
		}
	}
	if !bytes.Equal(encodeNumber(nil, math.Copysign(0, -1)), encodeNumber(nil, 0)) {
		t.Error("-0 and 0 encode differently")
	}
}

func TestEncodeStringOrder(t *testing.T) {
	strs := []string{"", "\x00", "\x00\x00", "\x00a", "a", "a\x00", "a\x00b", "ab", "b",
		"\xff"}
	for i := 1; i < len(strs); i++ {
		a, b := encodeString(nil, strs[i-1]), encodeString(nil, strs[i])
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("%q encodes at or after %q", strs[i-1], strs[i])
		}
	}
	long := strings.Repeat("x", maxIndexedString+10)
	if !bytes.HasPrefix(encodeString(nil, long), stringBound(nil, long)) {
		t.Error("a long string does not start with its bound")
	}
}

// indexKeys returns the index keys of dataset ds, as "<field>=<value>
// <item>" strings for entries and "list <item>" for entry lists.
func indexKeys(t *testing.T, c *Catalog, ds string) []string {
	t.Helper()
	var keys []string
	err := c.view(func(txn *badger.Txn) error {
		opt := badger.DefaultIteratorOptions
		opt.Prefix = indexPrefix(ds)
		it := txn.NewIterator(opt)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()[len(opt.Prefix):]
			id := string(k[len(k)-idLen:])
			if k[0] == subList {
				keys = append(keys, "list "+id)
				continue
			}
			field, val, _ := bytes.Cut(k[1:len(k)-idLen], []byte{0})
			keys = append(keys, string(field)+"="+describeValue(val)+" "+id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// describeValue writes an encoded value readably: s:text, f:number, ...
func describeValue(v []byte) string {
	switch {
	case len(v) == 0:
		return ""
	case v[0] == tagString:
		return "s:" + strings.TrimSuffix(string(v[1:]), "\x00\x01")
	case v[0] == tagNumber && len(v) == 9:
		bits := binary.BigEndian.Uint64(v[1:])
		if bits>>63 == 1 {
			bits &^= 1 << 63
		} else {
			bits = ^bits
		}
		return fmt.Sprintf("f:%g", math.Float64frombits(bits))
	case v[0] == tagBool:
		return "b:" + string('0'+v[1])
	}
	return string(v[:1])
}

func newTestCatalog(t *testing.T) (*Catalog, *Dataset) {
	t.Helper()
	c, err := Open(t.TempDir(), Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ds, err := c.CreateDataset("d", "local")
	if err != nil {
		t.Fatal(err)
	}
	return c, ds
}

func putTestItem(t *testing.T, c *Catalog, ds *Dataset, id, path, user string, anns []Annotation) {
	t.Helper()
	u, err := DecodeObject([]byte(user))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Update(func(tx *Tx) error {
		return tx.PutItem(ds, &Record{Item: &Item{ID: id, Filename: path,
			Metadata: map[string]any{"user": u, "system": map[string]any{"width": 10}}}}, anns)
	})
	if err != nil {
		t.Fatal(err)
	}
}

const idIndexed = "aaaaaaaaaaaaaaaaaaaaaaaa"

func TestIndexFollowsReplaceAndDelete(t *testing.T) {
	c, ds := newTestCatalog(t)
	putTestItem(t, c, ds, idIndexed, "/x/a.jpg", `{"k": 1, "tags": ["p", "q"]}`,
		[]Annotation{{"label": "dog", "type": "box"}})
	want := []string{
		"@= " + idIndexed, "@label=s:dog " + idIndexed, "@type=s:box " + idIndexed,
		"annotated=b:1 " + idIndexed, "dir=s:/x " + idIndexed, "filename=s:/x/a.jpg " + idIndexed,
		"metadata.system.width=f:10 " + idIndexed, "metadata.user.k=f:1 " + idIndexed,
		"metadata.user.tags=o " + idIndexed, "metadata.user.tags=s:p " + idIndexed,
		"metadata.user.tags=s:q " + idIndexed, "list " + idIndexed,
	}
	if got := indexKeys(t, c, ds.ID); !slices.Equal(got, want) {
		t.Fatalf("after put:\n got %q\nwant %q", got, want)
	}

	// Replaced: moved, other user metadata, annotations kept (nil).
	putTestItem(t, c, ds, idIndexed, "/y/a.jpg", `{"k": 2}`, nil)
	want = []string{
		"@= " + idIndexed, "@label=s:dog " + idIndexed, "@type=s:box " + idIndexed,
		"annotated=b:1 " + idIndexed, "dir=s:/y " + idIndexed, "filename=s:/y/a.jpg " + idIndexed,
		"metadata.system.width=f:10 " + idIndexed, "metadata.user.k=f:2 " + idIndexed, "list " + idIndexed,
	}
	if got := indexKeys(t, c, ds.ID); !slices.Equal(got, want) {
		t.Fatalf("after replace:\n got %q\nwant %q", got, want)
	}

	// Annotations replaced by none.
	putTestItem(t, c, ds, idIndexed, "/y/a.jpg", `{"k": 2}`, []Annotation{})
	got := indexKeys(t, c, ds.ID)
	if slices.ContainsFunc(got, func(k string) bool { return strings.HasPrefix(k, "@") }) ||
		!slices.Contains(got, "annotated=b:0 "+idIndexed) {
		t.Fatalf("after removing annotations: %q", got)
	}

	err := c.Update(func(tx *Tx) error { _, err := tx.DeleteItem(ds, idIndexed); return err })
	if err != nil {
		t.Fatal(err)
	}
	if got := indexKeys(t, c, ds.ID); len(got) != 0 {
		t.Fatalf("after delete: %q", got)
	}
}

func TestIndexRebuildOfOldStore(t *testing.T) {
	c, ds := newTestCatalog(t)
	putTestItem(t, c, ds, idIndexed, "/a.jpg", `{"k": 1}`, []Annotation{{"label": "dog"}})
	putTestItem(t, c, ds, "bbbbbbbbbbbbbbbbbbbbbbbb", "/b.jpg", `{"k": 2}`, nil)
	built := indexKeys(t, c, ds.ID)

	// A store from before the indexes: no version, no index keys.
	err := c.Update(func(tx *Tx) error {
		for _, k := range tx.keysWithPrefix([]byte{'X'}, 1000) {
			if err := tx.txn.Delete(k); err != nil {
				return err
			}
		}
		return tx.txn.Delete(indexVersionKey)
	})
	if err != nil {
		t.Fatal(err)
	}
	c.setIndexCurrent(false)

	q, err := query.Parse("metadata.user.k=2")
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Search(ds.ID, q, SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 1 || res.Records[0].Item.Filename != "/b.jpg" ||
		res.Explain.Index == "" {
		t.Fatalf("search of an old store: %+v", res)
	}
	if got := indexKeys(t, c, ds.ID); !slices.Equal(got, built) {
		t.Fatalf("rebuilt index:\n got %q\nwant %q", got, built)
	}
}

func TestNewStoreNeedsNoRebuild(t *testing.T) {
	c, ds := newTestCatalog(t)
	putTestItem(t, c, ds, idIndexed, "/a.jpg", `{}`, nil)
	c.setIndexCurrent(false)
	var v []byte
	err := c.view(func(txn *badger.Txn) (err error) {
		v, err = txnGet(txn, indexVersionKey)
		return err
	})
	if err != nil || string(v) != indexVersion {
		t.Fatalf("version after the first write: %q, %v", v, err)
	}
}
