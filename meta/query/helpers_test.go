package query

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// doc is one item with its annotations, as the catalog hands them over.
type doc struct {
	item map[string]any
	anns []map[string]any
}

// fixtureDir walks up from the working directory to the directory holding
// shared/fixtures beside the repository.
func fixtureDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		cand := filepath.Join(dir, "shared", "fixtures")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no shared/fixtures directory above the working directory")
		}
		dir = parent
	}
}

// decode decodes a JSON object with json.Number numbers, as meta does.
func decode(t testing.TB, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// split separates an exported item from its annotations array.
func split(item map[string]any) doc {
	d := doc{item: item}
	raw, _ := item["annotations"].([]any)
	delete(item, "annotations")
	for _, a := range raw {
		d.anns = append(d.anns, a.(map[string]any))
	}
	return d
}

// loadExport reads the 15 item JSONs of the Dataloop export fixture.
func loadExport(t *testing.T) []doc {
	t.Helper()
	root := filepath.Join(fixtureDir(t), "dataloop-export", "json")
	var docs []doc
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		docs = append(docs, split(decode(t, data)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 15 {
		t.Fatalf("fixture export has %d items, want 15", len(docs))
	}
	return docs
}

// run answers q over docs: matching items, sorted, then paged; it returns
// their filenames.
func run(q *Query, docs []doc) []string {
	var hits []map[string]any
	for _, d := range docs {
		if q.Match(d.item, d.anns) {
			hits = append(hits, d.item)
		}
	}
	slices.SortStableFunc(hits, func(a, b map[string]any) int {
		switch {
		case q.Less(a, b):
			return -1
		case q.Less(b, a):
			return 1
		}
		return 0
	})
	from, to := q.Window(len(hits))
	names := []string{}
	for _, h := range hits[from:to] {
		names = append(names, h["filename"].(string))
	}
	return names
}

// searchCase is one query in both syntaxes with its expected answer, in
// answer order (filename order unless the query sorts).
type searchCase struct {
	name  string
	short string
	dql   string
	want  []string
}

// checkCases runs every case in both syntaxes over docs.
func checkCases(t *testing.T, docs []doc, cases []searchCase) {
	t.Helper()
	for _, c := range cases {
		for _, src := range []string{c.short, c.dql} {
			q, err := Parse(src)
			if err != nil {
				t.Errorf("%s: Parse(%q): %v", c.name, src, err)
				continue
			}
			if got := run(q, docs); !slices.Equal(got, c.want) {
				t.Errorf("%s: %s\n got %q\nwant %q", c.name, src, got, c.want)
			}
		}
	}
}
