package integration

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// importFruits imports the fixture export as dataset fruits.
func importFruits(t *testing.T, s *Store) string {
	t.Helper()
	src := filepath.Join(fixtures(t), "dataloop-export")
	s.MustRun("--quiet", "import", "--dataset", "fruits", src)
	return src
}

// The expected answers below were read off the fixture JSON files: labels
// of the annotations, metadata.system width and size, folders.
func TestFindPrintsMatches(t *testing.T) {
	s := newStore(t)
	importFruits(t, s)

	got := s.MustRun("find", "--dataset", "fruits", "label=person and width>=600")
	want := "2021_04_23_10_39_21_Cache_Trim_Cropped.webm\nsub/000000000061.jpg\n" +
		"sub/000000000074.jpg\n"
	if got != want {
		t.Errorf("find label=person and width>=600:\n%s\nwant\n%s", got, want)
	}
	if got := s.MustRun("find", "--dataset", "fruits", "--count", "dir=/sub"); got != "7\n" {
		t.Errorf("find --count dir=/sub: %q, want 7", got)
	}
	if got := s.MustRun("find", "label=cat"); got != "fruits/cat.jpg\n" {
		t.Errorf("find label=cat over every dataset: %q", got)
	}
	if got := s.MustRun("find", "-d", "fruits", "size", ">", "400000"); got !=
		"000000000034.jpg\nsub/000000000061.jpg\n" {
		t.Errorf("find size > 400000 (arguments joined): %q", got)
	}

	line := s.MustRun("find", "--dataset", "fruits", "--json", "size=34939")
	var item map[string]any
	if err := json.Unmarshal([]byte(line), &item); err != nil || strings.Count(line, "\n") != 1 {
		t.Fatalf("find --json: %v: %q", err, line)
	}
	if item["id"] != "665358b47681f4f4c27cf40f" || item["name"] != "jpg_image_item.jpg" {
		t.Errorf("find --json size=34939: id %v, name %v", item["id"], item["name"])
	}

	dql := filepath.Join(t.TempDir(), "q.json")
	os.WriteFile(dql, []byte(`{"filter": {"dir": "/sub"}, "join": {"on": {"resource":
		"annotations", "local": "itemId", "forigen": "id"}, "filter": {"label": "giraffe"}}}`), 0o644)
	if got := s.MustRun("find", "-d", "fruits", "--dql", dql); got != "sub/000000000072.jpg\n" {
		t.Errorf("find --dql: %q", got)
	}

	_, explain, _ := s.Run("find", "-d", "fruits", "--explain", "label in (dog, zebra)")
	if !strings.Contains(explain, "index label in (dog, zebra): 3 candidates, 3 matches") {
		t.Errorf("find --explain: %q", explain)
	}
}

func TestFindRefusesBadQueries(t *testing.T) {
	s := newStore(t)
	importFruits(t, s)
	for q, msg := range map[string]string{
		"label=person and width>=":       `position 25: expected a value after ">="`,
		`{"filter":{"size":{"$lt2":1}}}`: `unknown operator "$lt2"`,
	} {
		out, errOut, code := s.Run("find", "--dataset", "fruits", q)
		if code != 1 || out != "" || !strings.Contains(errOut, msg) {
			t.Errorf("find %q: exit %d, stdout %q, stderr %q; want exit 1 and %q", q, code,
				out, errOut, msg)
		}
	}
}

func TestQueryFolder(t *testing.T) {
	s := newStore(t)
	src := importFruits(t, s)
	m := s.Mount("--dataset", "fruits", "--read-only")
	queries := filepath.Join(m.Dir, ".dlfs", "query")

	if got := sh(t, "ls", "-A", queries); got != "" {
		t.Errorf("ls query/: %q, want nothing", got)
	}
	got := strings.Fields(sh(t, "ls", filepath.Join(queries, "label=dog")))
	want := []string{"000000000042.jpg", "000000000042.jpg.annotations.json", "sub"}
	if !slices.Equal(got, want) {
		t.Errorf("ls query/label=dog: %q, want %q", got, want)
	}
	got = strings.Fields(sh(t, "ls", filepath.Join(queries, "label=dog", "sub")))
	want = []string{"000000000074.jpg", "000000000074.jpg.annotations.json"}
	if !slices.Equal(got, want) {
		t.Errorf("ls query/label=dog/sub: %q, want %q", got, want)
	}
	got = strings.Fields(sh(t, "ls", filepath.Join(queries, "dir=%2Fsub and height>=600")))
	if !slices.Equal(got, []string{"sub"}) {
		t.Errorf("ls of a query with %%2F: %q", got)
	}
	got = strings.Fields(sh(t, "ls", filepath.Join(queries, "dir=%2Fsub and height>=600", "sub")))
	want = []string{"000000000064.jpg", "000000000064.jpg.annotations.json",
		"000000000072.jpg", "000000000072.jpg.annotations.json",
		"000000000073.jpg", "000000000073.jpg.annotations.json"}
	if !slices.Equal(got, want) {
		t.Errorf("ls of dir=/sub and height>=600: %q, want %q", got, want)
	}

	dest := filepath.Join(t.TempDir(), "giraffes")
	sh(t, "cp", "-r", filepath.Join(queries, "label=giraffe"), dest)
	files := strings.Fields(sh(t, "find", dest, "-type", "f"))
	slices.Sort(files)
	var rel []string
	for _, f := range files {
		rel = append(rel, strings.TrimPrefix(f, dest+"/"))
	}
	want = []string{"000000000025.jpg", "000000000025.jpg.annotations.json",
		"sub/000000000072.jpg", "sub/000000000072.jpg.annotations.json"}
	if !slices.Equal(rel, want) {
		t.Fatalf("cp -r query/label=giraffe copied %q, want %q", rel, want)
	}
	for _, f := range []string{"000000000025", "sub/000000000072"} {
		sh(t, "cmp", filepath.Join(dest, f+".jpg"), filepath.Join(src, "items", f+".jpg"))
		checkGiraffeSidecar(t, filepath.Join(dest, f+".jpg.annotations.json"))
	}

	for _, bad := range []string{"width>=", "label=(", "%zz"} {
		_, err := os.Stat(filepath.Join(queries, bad))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stat query/%s: %v, want ENOENT", bad, err)
		}
	}
	if !strings.Contains(m.Log(), "does not parse") {
		t.Errorf("the mount did not log the parse error:\n%s", m.Log())
	}
}

// checkGiraffeSidecar checks a copied sidecar: both fixture images with
// giraffes have two box annotations, both giraffes.
func checkGiraffeSidecar(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var anns []map[string]any
	if err := json.Unmarshal(data, &anns); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(anns) != 2 || anns[0]["label"] != "giraffe" || anns[1]["type"] != "box" {
		t.Errorf("%s: %d annotations, first %v", path, len(anns), anns)
	}
}
