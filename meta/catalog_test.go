package meta

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func openTest(t *testing.T) *Catalog {
	t.Helper()
	c, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func putItem(t *testing.T, c *Catalog, ds *Dataset, id, path string, size int, anns []Annotation) {
	t.Helper()
	it := &Item{ID: id, Filename: path, CreatedAt: "2024-01-02T03:04:05.000Z",
		Metadata: map[string]any{"system": map[string]any{"size": size}}}
	err := c.Update(func(tx *Tx) error {
		return tx.PutItem(ds, &Record{Item: it, Blob: "k" + id}, anns)
	})
	if err != nil {
		t.Fatalf("put %s: %v", path, err)
	}
}

func TestDirentRoundTrip(t *testing.T) {
	cases := []Dirent{
		{Name: "a.jpg", Kind: KindFile, Inode: 42, Size: 1 << 40, MtimeNs: -5, BtimeNs: 7,
			AnnSize: 99, AnnCount: 3, ItemID: "0123456789abcdef01234567"},
		{Name: "d", Kind: KindDir, Inode: 1},
		{Name: "l", Kind: KindLink, Hidden: true, Target: "../x/y.jpg"},
	}
	for _, d := range cases {
		got, err := decodeDirent(d.Name, d.encode())
		if err != nil || got != d {
			t.Errorf("round trip of %+v: %+v, %v", d, got, err)
		}
	}
	if _, err := decodeDirent("x", []byte{1, 2}); err == nil {
		t.Error("a short record decoded")
	}
}

func TestCleanFilename(t *testing.T) {
	good := map[string]string{"/a/b.jpg": "/a/b.jpg", "/": "/", "/x": "/x"}
	for in, want := range good {
		if got, err := CleanFilename(in); err != nil || got != want {
			t.Errorf("CleanFilename(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "a.jpg", "/a/../b", "/a/./b", "/a//b", "/a/", "/a\x00b",
		"/" + strings.Repeat("x", 256)} {
		if _, err := CleanFilename(bad); !errors.Is(err, ErrBadPath) {
			t.Errorf("CleanFilename(%q): %v, want ErrBadPath", bad, err)
		}
	}
}

func TestPutListLookupMove(t *testing.T) {
	c := openTest(t)
	ds, err := c.CreateDataset("d", "local")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDataset("d", "local"); !errors.Is(err, ErrExists) {
		t.Errorf("second dataset d: %v, want ErrExists", err)
	}
	const id1, id2 = "aaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb"
	putItem(t, c, ds, id1, "/x/y/one.jpg", 10, []Annotation{{"type": "box", "label": "cat"}})
	putItem(t, c, ds, id2, "/x/two.jpg", 20, nil)

	var names []string
	c.List(ds.ID, "/x", "", 0, func(d Dirent) bool { names = append(names, d.Name); return true })
	if strings.Join(names, ",") != "two.jpg,y" {
		t.Errorf("list /x: %v", names)
	}
	d, err := c.Lookup(ds.ID, "/x/y", "one.jpg")
	if err != nil || d.Size != 10 || d.ItemID != id1 || d.AnnCount != 1 {
		t.Fatalf("lookup one.jpg: %+v, %v", d, err)
	}
	side, _ := c.SidecarJSON(ds.ID, id1)
	if int64(len(side)) != d.AnnSize || !strings.HasSuffix(string(side), "}\n]\n") {
		t.Errorf("sidecar %d bytes (entry says %d): %q", len(side), d.AnnSize, side)
	}
	rec, _ := c.Record(ds.ID, id1)
	if rec.Item.AnnotationsCount != 1 || rec.Item.Annotated != true || rec.Item.Dir != "/x/y" {
		t.Errorf("record: %+v", rec.Item)
	}

	// Another item may not take a path that is in use.
	err = c.Update(func(tx *Tx) error {
		it := &Item{ID: id2, Filename: "/x/y/one.jpg"}
		return tx.PutItem(ds, &Record{Item: it}, nil)
	})
	if !errors.Is(err, ErrExists) {
		t.Errorf("path taken: %v, want ErrExists", err)
	}
	// Moving an item keeps its inode and annotations and frees the old path.
	putItem(t, c, ds, id1, "/z/one.jpg", 10, nil)
	moved, err := c.Lookup(ds.ID, "/z", "one.jpg")
	if err != nil || moved.Inode != d.Inode || moved.AnnCount != 1 {
		t.Errorf("moved: %+v, %v (inode was %d)", moved, err, d.Inode)
	}
	if _, err := c.Lookup(ds.ID, "/x/y", "one.jpg"); !errors.Is(err, ErrNotFound) {
		t.Errorf("old path: %v, want ErrNotFound", err)
	}
}

func TestListPages(t *testing.T) {
	c := openTest(t)
	ds, _ := c.CreateDataset("d", "")
	for i := 0; i < 25; i++ {
		id := strings.Repeat("0", 22) + string("0123456789abcdef"[i/16]) + string("0123456789abcdef"[i%16])
		putItem(t, c, ds, id, "/f/"+id+".bin", i, nil)
	}
	after, seen := "", 0
	for {
		n := 0
		last, err := c.List(ds.ID, "/f", after, 10, func(Dirent) bool { n++; return true })
		if err != nil {
			t.Fatal(err)
		}
		seen += n
		if n < 10 {
			break
		}
		after = last
	}
	if seen != 25 {
		t.Errorf("paged listing saw %d entries, want 25", seen)
	}
}

func TestSecondOpenNamesTheStore(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = Open(dir, Options{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Errorf("second open: %v, want ErrLocked naming %s", err, dir)
	}
}

func TestItemKeepsUnknownFields(t *testing.T) {
	in := `{"id":"aaaaaaaaaaaaaaaaaaaaaaaa","filename":"/a","spec":{"x":[1,2.50]},` +
		`"metadata":{"system":{"size":12345678901234}},"url":"http://x"}`
	var it Item
	if err := json.Unmarshal([]byte(in), &it); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(&it)
	for _, want := range []string{`"spec":{"x":[1,2.50]}`, `"url":"http://x"`, `"size":12345678901234`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("%s lost %s", out, want)
		}
	}
	if it.Size() != 12345678901234 {
		t.Errorf("size %d", it.Size())
	}
}
