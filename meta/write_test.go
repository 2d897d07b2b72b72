package meta

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// testID returns a test item id ending in n.
func testID(n string) string { return "aaaaaaaaaaaaaaaaaaaaaa" + n }

func TestMoveFolderKeepsIdsAndInodes(t *testing.T) {
	c := openTest(t)
	ds, err := c.CreateDataset("d", "")
	if err != nil {
		t.Fatal(err)
	}
	putItem(t, c, ds, testID("01"), "/a/x.jpg", 3, []Annotation{{"type": "box"}})
	putItem(t, c, ds, testID("02"), "/a/b/y.jpg", 4, nil)
	putItem(t, c, ds, testID("03"), "/other.jpg", 5, nil)
	if err := c.Update(func(tx *Tx) error { return tx.Mkdir(ds, "/a/empty") }); err != nil {
		t.Fatal(err)
	}
	b, _ := c.Stat(ds, "/a/b")
	x, _ := c.Stat(ds, "/a/x.jpg")

	if err := c.Update(func(tx *Tx) error { return tx.MoveFolder(ds, "/a", "/z/a2") }); err != nil {
		t.Fatalf("move: %v", err)
	}
	for path, id := range map[string]string{"/z/a2/x.jpg": testID("01"), "/z/a2/b/y.jpg": testID("02")} {
		rec, err := c.ItemByPath(ds, path)
		if err != nil || rec.Item.ID != id {
			t.Fatalf("%s after move: %v %v", path, rec, err)
		}
		if dir, _ := SplitPath(path); rec.Item.Dir != dir {
			t.Errorf("%s: dir %q", path, rec.Item.Dir)
		}
	}
	if d, _ := c.Stat(ds, "/z/a2/b"); d.Inode != b.Inode {
		t.Errorf("moved folder inode %d, want %d", d.Inode, b.Inode)
	}
	if d, _ := c.Stat(ds, "/z/a2/x.jpg"); d.Inode != x.Inode || d.AnnCount != 1 {
		t.Errorf("moved item entry %+v, want inode %d and its annotation", d, x.Inode)
	}
	if _, err := c.Stat(ds, "/z/a2/empty"); err != nil {
		t.Errorf("empty subfolder not moved: %v", err)
	}
	for _, gone := range []string{"/a", "/a/x.jpg", "/a/b", "/a/b/y.jpg", "/a/empty"} {
		if _, err := c.Stat(ds, gone); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s after move: %v, want ErrNotFound", gone, err)
		}
	}
}

func TestMoveFolderRefusals(t *testing.T) {
	c := openTest(t)
	ds, _ := c.CreateDataset("d", "")
	putItem(t, c, ds, testID("01"), "/a/x.jpg", 3, nil)
	putItem(t, c, ds, testID("02"), "/full/y.jpg", 3, nil)
	putItem(t, c, ds, testID("03"), "/file.jpg", 3, nil)
	c.Update(func(tx *Tx) error { return tx.Mkdir(ds, "/empty") })
	cases := []struct {
		to   string
		want error
	}{
		{"/a/inside", ErrInvalid},
		{"/full", ErrNotEmpty},
		{"/file.jpg", ErrExists},
	}
	for _, tc := range cases {
		err := c.Update(func(tx *Tx) error { return tx.MoveFolder(ds, "/a", tc.to) })
		if !errors.Is(err, tc.want) {
			t.Errorf("move /a to %s: %v, want %v", tc.to, err, tc.want)
		}
	}
	if err := c.Update(func(tx *Tx) error { return tx.MoveFolder(ds, "/a", "/empty") }); err != nil {
		t.Errorf("move over an empty folder: %v", err)
	}
	if rec, err := c.ItemByPath(ds, "/empty/x.jpg"); err != nil || rec.Item.ID != testID("01") {
		t.Errorf("item after a move over an empty folder: %v", err)
	}
}

func TestRemoveFolderAndMoveItem(t *testing.T) {
	c := openTest(t)
	ds, _ := c.CreateDataset("d", "")
	putItem(t, c, ds, testID("01"), "/a/x.jpg", 3, nil)
	putItem(t, c, ds, testID("02"), "/b.jpg", 3, nil)
	err := c.Update(func(tx *Tx) error { return tx.RemoveFolder(ds, "/a") })
	if !errors.Is(err, ErrNotEmpty) {
		t.Errorf("remove a full folder: %v, want ErrNotEmpty", err)
	}
	err = c.Update(func(tx *Tx) error {
		_, err := tx.MoveItem(ds, testID("01"), "/b.jpg", false)
		return err
	})
	if !errors.Is(err, ErrExists) {
		t.Errorf("move over an item without replace: %v, want ErrExists", err)
	}
	var gone *Record
	err = c.Update(func(tx *Tx) (err error) {
		gone, err = tx.MoveItem(ds, testID("01"), "/b.jpg", true)
		return err
	})
	if err != nil || gone == nil || gone.Item.ID != testID("02") {
		t.Fatalf("move over an item: %v, replaced %v", err, gone)
	}
	rec, err := c.ItemByPath(ds, "/b.jpg")
	if err != nil || rec.Item.ID != testID("01") || rec.Item.Name != "b.jpg" {
		t.Errorf("/b.jpg after the move: %+v %v", rec, err)
	}
	if _, err := c.Record(ds.ID, testID("02")); !errors.Is(err, ErrNotFound) {
		t.Errorf("replaced item: %v, want ErrNotFound", err)
	}
	if err := c.Update(func(tx *Tx) error { return tx.RemoveFolder(ds, "/a") }); err != nil {
		t.Errorf("remove the emptied folder: %v", err)
	}
	if _, err := c.Stat(ds, "/a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removed folder: %v", err)
	}
}

func TestUserMetadata(t *testing.T) {
	it := &Item{Metadata: map[string]any{"system": map[string]any{"size": 1}}}
	if err := SetUserMetadata(it, "review.by", UserValue([]byte("ann lee")), false, false); err != nil {
		t.Fatal(err)
	}
	if err := SetUserMetadata(it, "ok", UserValue([]byte("true")), false, true); err != nil {
		t.Fatal(err)
	}
	if err := SetUserMetadata(it, "ok", true, false, true); !errors.Is(err, ErrExists) {
		t.Errorf("create of an existing leaf: %v, want ErrExists", err)
	}
	if err := SetUserMetadata(it, "missing", 1, true, false); !errors.Is(err, ErrNotFound) {
		t.Errorf("replace of a missing leaf: %v, want ErrNotFound", err)
	}
	if err := SetUserMetadata(it, "a..b", 1, false, false); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty path element: %v, want ErrInvalid", err)
	}
	user := it.Metadata["user"].(map[string]any)
	if user["ok"] != true || user["review"].(map[string]any)["by"] != "ann lee" {
		t.Errorf("metadata.user = %v", user)
	}
	if err := RemoveUserMetadata(it, "review.by"); err != nil {
		t.Fatal(err)
	}
	if _, ok := user["review"]; ok {
		t.Errorf("emptied object kept: %v", user)
	}
	if err := RemoveUserMetadata(it, "review.by"); !errors.Is(err, ErrNotFound) {
		t.Errorf("remove a missing leaf: %v, want ErrNotFound", err)
	}
}

func TestUserValue(t *testing.T) {
	cases := map[string]any{
		"true": true, "ann lee": "ann lee", `"q"`: "q",
		"[1,2]": []any{json.Number("1"), json.Number("2")},
		"0.5":   json.Number("0.5"), "1 2": "1 2", "": "", "{": "{",
	}
	for in, want := range cases {
		got := UserValue([]byte(in))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("UserValue(%q) = %#v, want %#v", in, got, want)
		}
	}
}

func TestParseSidecar(t *testing.T) {
	good := `[{"type": "box", "label": "a"}, {"type": "point"}]`
	if anns, err := ParseSidecar([]byte(good)); err != nil || len(anns) != 2 {
		t.Errorf("valid annotations: %v %v", anns, err)
	}
	for _, bad := range []string{"", "null", "{}", `[{"label": "a"}]`, `[{"type": ""}]`,
		`[null]`, `[1]`, `[{"type": "box"}] x`} {
		if _, err := ParseSidecar([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseSidecar(%q): %v, want ErrInvalid", bad, err)
		}
	}
}

func TestMoveFolderInBatches(t *testing.T) {
	c := openTest(t)
	ds, _ := c.CreateDataset("d", "")
	for i, p := range []string{"/a/1.jpg", "/a/2.jpg", "/a/b/3.jpg", "/a/b/c/4.jpg", "/keep.jpg"} {
		putItem(t, c, ds, testID(fmt.Sprintf("%02d", i)), p, i, nil)
	}
	dirItem := &Item{ID: testID("99"), Filename: "/a/b", Type: TypeDir,
		Metadata: map[string]any{"user": map[string]any{"k": "v"}}}
	topItem := &Item{ID: testID("98"), Filename: "/a", Type: TypeDir}
	for _, it := range []*Item{dirItem, topItem} {
		c.Update(func(tx *Tx) error { return tx.PutItem(ds, &Record{Item: it}, nil) })
	}
	c.Update(func(tx *Tx) error { return tx.Mkdir(ds, "/a/empty/deeper") })

	if err := c.MoveFolderInBatches(ds, "/a", "/moved", 2); err != nil {
		t.Fatalf("batched move: %v", err)
	}
	want := map[string]string{"/moved/1.jpg": testID("00"), "/moved/2.jpg": testID("01"),
		"/moved/b/3.jpg": testID("02"), "/moved/b/c/4.jpg": testID("03"),
		"/moved/b": testID("99"), "/moved": testID("98")}
	for p, id := range want {
		if rec, err := c.ItemByPath(ds, p); err != nil || rec.Item.ID != id {
			t.Errorf("%s after batched move: %v %v", p, rec, err)
		}
	}
	if _, err := c.Stat(ds, "/moved/empty/deeper"); err != nil {
		t.Errorf("empty folders not moved: %v", err)
	}
	for _, gone := range []string{"/a", "/a/b", "/a/empty", "/a/empty/deeper"} {
		if _, err := c.Stat(ds, gone); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s after batched move: %v, want ErrNotFound", gone, err)
		}
	}
	if _, err := c.ItemByPath(ds, "/keep.jpg"); err != nil {
		t.Errorf("item outside the folder: %v", err)
	}
}
