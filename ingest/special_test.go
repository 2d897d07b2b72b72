package ingest

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dlfs/dlfs/blob/local"
	"github.com/dlfs/dlfs/meta"
)

const (
	idOne = "6000000000000000000000a1"
	idTwo = "6000000000000000000000a2"
)

func TestParseSpecial(t *testing.T) {
	cases := []struct {
		name, content string
		want          *meta.Special
		err           string
	}{
		{"link to an id", `{"type": "link", "shebang": "dataloop", "metadata": {"dltype": "link",
			"linkInfo": {"type": "id", "ref": "` + idOne + `"}}}`,
			&meta.Special{Kind: meta.SpecialLink, Refs: []string{idOne}}, ""},
		{"link to a url stays plain", `{"type": "link", "shebang": "dataloop", "metadata": {
			"dltype": "link", "linkInfo": {"type": "url", "ref": "https://x/y.jpg"}}}`, nil, ""},
		{"link without linkInfo", `{"type": "link", "shebang": "dataloop", "metadata": {}}`,
			nil, "without metadata.linkInfo"},
		{"link to a bad id", `{"shebang": "dataloop", "metadata": {"dltype": "link",
			"linkInfo": {"type": "id", "ref": "nope"}}}`, nil, "names no item id"},
		{"collection: target first, each id once", `{"type": "collection",
			"shebang": "dataloop", "metadata": {"dltype": "collection",
			"target": {"type": "id", "ref": "` + idTwo + `"}}, "items": [
			{"type": "id", "ref": "` + idOne + `"}, {"type": "id", "ref": "` + idTwo + `"},
			{"type": "url", "ref": "https://x"}]}`,
			&meta.Special{Kind: meta.SpecialCollection, Refs: []string{idTwo, idOne}}, ""},
		{"multi", `{"type": "multi", "shebang": "dataloop", "metadata": {"dltype": "multi"},
			"items": [{"type": "id", "ref": "` + idOne + `"}]}`,
			&meta.Special{Kind: meta.SpecialCollection, Refs: []string{idOne}}, ""},
		{"multi of urls only", `{"type": "multi", "shebang": "dataloop",
			"items": [{"type": "url", "ref": "https://x"}]}`, nil, "names no item by id"},
		{"multi with a bad member", `{"type": "multi", "shebang": "dataloop",
			"items": [{"type": "id", "ref": "xyz"}]}`, nil, "member 0"},
		{"a prompt stays plain", `{"type": "prompt", "shebang": "dataloop", "prompts": {}}`,
			nil, ""},
		{"another shebang", `{"type": "link", "shebang": "other"}`, nil, ""},
		{"no shebang", `{"type": "link", "metadata": {"linkInfo": {"type": "id"}}}`, nil, ""},
		{"not JSON", `"shebang" {`, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseSpecial([]byte(c.content))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one saying %q", err, c.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("ParseSpecial = %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

// testImporter returns an importer into a new dataset of a fresh store.
func testImporter(t *testing.T) (*Importer, *meta.Catalog, *meta.Dataset) {
	t.Helper()
	dir := t.TempDir()
	cat, err := meta.Open(filepath.Join(dir, "store"), meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	ds, err := cat.CreateDataset("test", "local")
	if err != nil {
		t.Fatal(err)
	}
	store, err := local.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return New(cat, ds, store, Options{}), cat, ds
}

// writeTree writes files (slash path under dir -> content).
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A link stored before its target (by path order) still resolves, since
// special items are marked after the whole import; a link to an item not
// in the dataset stays a file and is reported.
func TestImportMarksSpecialsAfterTargets(t *testing.T) {
	link := func(ref string) string {
		return `{"type": "link", "shebang": "dataloop", "metadata": {"dltype": "link",
			"linkInfo": {"type": "id", "ref": "` + ref + `"}}}`
	}
	src := t.TempDir()
	writeTree(t, src, map[string]string{
		"items/a/link.json":    link(idOne),
		"items/a/dangles.json": link(idTwo),
		"items/z/target.txt":   "the target",
		"json/a/link.json":     `{"id": "6000000000000000000000b1", "filename": "/a/link.json"}`,
		"json/a/dangles.json":  `{"id": "6000000000000000000000b2", "filename": "/a/dangles.json"}`,
		"json/z/target.json":   `{"id": "` + idOne + `", "filename": "/z/target.txt"}`,
	})
	im, cat, ds := testImporter(t)
	res, err := im.Import(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if res.Items != 3 || len(res.Problems) != 1 ||
		!strings.Contains(res.Problems[0].Reason, idTwo+" are not in the dataset") {
		t.Fatalf("result %+v, want 3 items and the dangling link reported", res)
	}
	if d, err := cat.Stat(ds, "/a/link.json"); err != nil || d.Kind != meta.KindLink ||
		d.Target != "../z/target.txt" {
		t.Errorf("link entry %+v, %v; want a symlink to ../z/target.txt", d, err)
	}
	if d, _ := cat.Stat(ds, "/a/dangles.json"); d.Kind != meta.KindFile {
		t.Errorf("dangling link entry %+v, want a plain file", d)
	}

	// Importing again changes nothing and keeps the link.
	if _, err := im.Import(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if d, _ := cat.Stat(ds, "/a/link.json"); d.Kind != meta.KindLink {
		t.Errorf("after a second import: %+v", d)
	}
}
