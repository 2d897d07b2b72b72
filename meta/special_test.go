package meta

import (
	"errors"
	"sort"
	"testing"
)

const (
	idA    = "aaaaaaaaaaaaaaaaaaaaaaa1"
	idB    = "aaaaaaaaaaaaaaaaaaaaaaa2"
	idB2   = "aaaaaaaaaaaaaaaaaaaaaaa3"
	idLink = "bbbbbbbbbbbbbbbbbbbbbbb1"
	idColl = "bbbbbbbbbbbbbbbbbbbbbbb2"
)

// setSpecial marks an item special in its own transaction.
func setSpecial(t *testing.T, c *Catalog, ds *Dataset, id string, sp *Special) []string {
	t.Helper()
	var missing []string
	err := c.Update(func(tx *Tx) (err error) {
		missing, err = tx.SetSpecial(ds, id, sp)
		return err
	})
	if err != nil {
		t.Fatalf("SetSpecial %s: %v", id, err)
	}
	return missing
}

// listNames lists folder dir as name -> entry.
func listNames(t *testing.T, c *Catalog, ds *Dataset, dir string) map[string]Dirent {
	t.Helper()
	out := map[string]Dirent{}
	if _, err := c.List(ds.ID, dir, "", 0, func(d Dirent) bool {
		out[d.Name] = d
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRelativeTarget(t *testing.T) {
	cases := []struct{ dir, target, want string }{
		{"/", "/a.jpg", "a.jpg"},
		{"/links", "/a.jpg", "../a.jpg"},
		{"/c/g.json", "/sub/x.jpg", "../../sub/x.jpg"},
		{"/sub", "/sub/deeper/x.jpg", "deeper/x.jpg"},
		{"/sub/a", "/sub", ".."},
	}
	for _, c := range cases {
		if got := relativeTarget(c.dir, c.target); got != c.want {
			t.Errorf("relativeTarget(%q, %q) = %q, want %q", c.dir, c.target, got, c.want)
		}
	}
}

func TestLinkItemIsSymlink(t *testing.T) {
	c := openTest(t)
	ds, _ := c.CreateDataset("d", "local")
	putItem(t, c, ds, idA, "/sub/a.jpg", 10, nil)
	putItem(t, c, ds, idLink, "/links/to-a.json", 20, nil)

	if missing := setSpecial(t, c, ds, idLink, &Special{Kind: SpecialLink,
		Refs: []string{idA}}); len(missing) != 0 {
		t.Fatalf("missing %v", missing)
	}
	d, err := c.Stat(ds, "/links/to-a.json")
	if err != nil || d.Kind != KindLink || d.Target != "../sub/a.jpg" || d.ItemID != idLink {
		t.Fatalf("link entry %+v, %v; want a symlink to ../sub/a.jpg", d, err)
	}
	rec, _ := c.Record(ds.ID, idLink)
	if rec.Item.Filename != "/links/to-a.json" || rec.Item.Size() != 20 {
		t.Errorf("the link's record changed: %+v", rec.Item)
	}

	// Stored again (any update), it stays a link; moved, it is re-aimed.
	err = c.Update(func(tx *Tx) error {
		_, err := tx.MoveItem(ds, idLink, "/x/y/z.json", false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := c.Stat(ds, "/x/y/z.json"); d.Kind != KindLink || d.Target != "../../sub/a.jpg" {
		t.Errorf("moved link %+v, want target ../../sub/a.jpg", d)
	}

	// Made ordinary again, it is a file with its size.
	setSpecial(t, c, ds, idLink, nil)
	if d, _ := c.Stat(ds, "/x/y/z.json"); d.Kind != KindFile || d.Size != 20 {
		t.Errorf("ordinary again: %+v", d)
	}
}

func TestLinkToMissingItemStaysFile(t *testing.T) {
	c := openTest(t)
	ds, _ := c.CreateDataset("d", "local")
	putItem(t, c, ds, idLink, "/l.json", 5, nil)
	missing := setSpecial(t, c, ds, idLink, &Special{Kind: SpecialLink, Refs: []string{idA}})
	if len(missing) != 1 || missing[0] != idA {
		t.Errorf("missing %v, want [%s]", missing, idA)
	}
	if d, _ := c.Stat(ds, "/l.json"); d.Kind != KindFile {
		t.Errorf("link to a missing item: %+v, want a file", d)
	}
	// The target arrives; storing the link again resolves it.
	putItem(t, c, ds, idA, "/a.jpg", 1, nil)
	setSpecial(t, c, ds, idLink, &Special{Kind: SpecialLink, Refs: []string{idA}})
	if d, _ := c.Stat(ds, "/l.json"); d.Kind != KindLink || d.Target != "a.jpg" {
		t.Errorf("after the target came: %+v", d)
	}
}

func TestCollectionIsFolderOfLinks(t *testing.T) {
	c := openTest(t)
	ds, _ := c.CreateDataset("d", "local")
	putItem(t, c, ds, idA, "/a.jpg", 1, nil)
	putItem(t, c, ds, idB, "/sub/b.jpg", 1, nil)
	putItem(t, c, ds, idB2, "/other/b.jpg", 1, nil)
	putItem(t, c, ds, idColl, "/c/group.json", 30, nil)

	sp := &Special{Kind: SpecialCollection, Refs: []string{idA, idB, idB2, idLink}}
	missing := setSpecial(t, c, ds, idColl, sp)
	if len(missing) != 1 || missing[0] != idLink {
		t.Errorf("missing %v, want [%s]", missing, idLink)
	}
	d, err := c.Stat(ds, "/c/group.json")
	if err != nil || d.Kind != KindDir || d.ItemID != idColl {
		t.Fatalf("collection entry %+v, %v; want a folder of item %s", d, err, idColl)
	}
	want := map[string]string{"a.jpg": "../../a.jpg", "b.jpg": "../../sub/b.jpg",
		"b~2.jpg": "../../other/b.jpg"}
	got := listNames(t, c, ds, "/c/group.json")
	if len(got) != len(want) {
		t.Errorf("members %v, want %v", got, want)
	}
	inodes := map[string]uint64{}
	for name, target := range want {
		if got[name].Kind != KindLink || got[name].Target != target {
			t.Errorf("member %s: %+v, want a link to %s", name, got[name], target)
		}
		inodes[name] = got[name].Inode
	}

	// Moved, the members follow and keep their inode numbers.
	err = c.Update(func(tx *Tx) error { return tx.MoveFolder(ds, "/c", "/d") })
	if err != nil {
		t.Fatal(err)
	}
	if old := listNames(t, c, ds, "/c/group.json"); len(old) != 0 {
		t.Errorf("members left behind: %v", old)
	}
	got = listNames(t, c, ds, "/d/group.json")
	for name := range want {
		if got[name].Kind != KindLink || got[name].Inode != inodes[name] {
			t.Errorf("moved member %s: %+v (inode was %d)", name, got[name], inodes[name])
		}
	}

	// Deleted, nothing of it stays.
	err = c.Update(func(tx *Tx) error { _, err := tx.DeleteItem(ds, idColl); return err })
	if err != nil {
		t.Fatal(err)
	}
	if left := listNames(t, c, ds, "/d/group.json"); len(left) != 0 {
		t.Errorf("members left after delete: %v", left)
	}
	if sp, err := c.Special(ds.ID, idColl); sp != nil || err != nil {
		t.Errorf("special record after delete: %+v, %v", sp, err)
	}
}

func TestSetSpecialRefusesNonJSON(t *testing.T) {
	c := openTest(t)
	ds, _ := c.CreateDataset("d", "local")
	putItem(t, c, ds, idA, "/a.jpg", 1, nil)
	err := c.Update(func(tx *Tx) error {
		_, err := tx.SetSpecial(ds, idA, &Special{Kind: SpecialLink, Refs: []string{idB}})
		return err
	})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("SetSpecial on a JPEG: %v, want ErrInvalid", err)
	}
	names := listNames(t, c, ds, "/")
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) != 1 || names["a.jpg"].Kind != KindFile {
		t.Errorf("root after a refused SetSpecial: %v", keys)
	}
}
