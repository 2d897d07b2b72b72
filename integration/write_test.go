package integration

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// getxattr reads one attribute with getfattr.
func getxattr(t *testing.T, path, name string) string {
	t.Helper()
	return sh(t, "getfattr", "--only-values", "-n", name, path)
}

// showItem returns `dlfs show --annotations` of the item at path.
func showItem(t *testing.T, s *Store, dataset, path string) map[string]any {
	t.Helper()
	var out map[string]any
	data := s.MustRun("show", "--dataset", dataset, "--annotations", path)
	if err := json.Unmarshal([]byte(data), &out); err != nil {
		t.Fatalf("dlfs show %s: %v\n%s", path, err, data)
	}
	return out
}

// annotationsOf returns the annotations `dlfs show` prints for path.
func annotationsOf(t *testing.T, s *Store, dataset, path string) []map[string]any {
	t.Helper()
	raw, _ := showItem(t, s, dataset, path)["annotations"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, a := range raw {
		out = append(out, a.(map[string]any))
	}
	return out
}

// fixtureAnnotations returns the annotations of a fixture item JSON.
func fixtureAnnotations(t *testing.T, jsonFile string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var it struct {
		Annotations []map[string]any `json:"annotations"`
	}
	if err := json.Unmarshal(data, &it); err != nil {
		t.Fatal(err)
	}
	return it.Annotations
}

// labelCount counts the annotations with label.
func labelCount(anns []map[string]any, label string) int {
	n := 0
	for _, a := range anns {
		if a["label"] == label {
			n++
		}
	}
	return n
}

// cocoSizes returns width and height of each COCO fixture image by name.
func cocoSizes(t *testing.T) map[string][2]float64 {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures(t), "coco", "coco", "annotations.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Images []struct {
			FileName string  `json:"file_name"`
			Width    float64 `json:"width"`
			Height   float64 `json:"height"`
		} `json:"images"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	out := map[string][2]float64{}
	for _, im := range c.Images {
		out[im.FileName] = [2]float64{im.Width, im.Height}
	}
	return out
}

// writeMount is a store with the fixture export as dataset "w", mounted.
func writeMount(t *testing.T) (*Store, *Mount, string) {
	t.Helper()
	requireFUSE(t)
	requireTool(t, "getfattr")
	requireTool(t, "setfattr")
	s := newStore(t)
	src := importFixture(t, s, "w")
	m := s.Mount("--dataset", "w")
	t.Cleanup(func() {
		if strings.Contains(m.Log(), "DATA RACE") {
			t.Errorf("the mount reported a data race:\n%s", m.Log())
		}
	})
	return s, m, src
}

func TestWriteCopyInNewItems(t *testing.T) {
	s, m, _ := writeMount(t)
	images := filepath.Join(fixtures(t), "coco", "images")
	sh(t, "cp", "-r", images, filepath.Join(m.Dir, "new_shots"))
	entries, err := os.ReadDir(images)
	if err != nil || len(entries) == 0 {
		t.Fatalf("fixture images: %v", err)
	}
	m.Stop()

	m = s.Mount("--dataset", "w")
	sizes := cocoSizes(t)
	for _, e := range entries {
		got := filepath.Join(m.Dir, "new_shots", e.Name())
		sh(t, "cmp", got, filepath.Join(images, e.Name()))
		want, ok := sizes[e.Name()]
		if !ok {
			t.Fatalf("%s is not in the COCO file", e.Name())
		}
		w := getxattr(t, got, "user.dl.metadata.system.width")
		h := getxattr(t, got, "user.dl.metadata.system.height")
		if w != jsonNumber(want[0]) || h != jsonNumber(want[1]) {
			t.Errorf("%s: width x height %s x %s, want %v x %v", e.Name(), w, h, want[0], want[1])
		}
		if mt := getxattr(t, got, "user.mime_type"); mt != "image/jpeg" {
			t.Errorf("%s: mimetype %q, want image/jpeg", e.Name(), mt)
		}
		fi, _ := os.Stat(filepath.Join(images, e.Name()))
		sz := getxattr(t, got, "user.dl.metadata.system.size")
		if sz != jsonNumber(float64(fi.Size())) {
			t.Errorf("%s: system.size %s, want %d", e.Name(), sz, fi.Size())
		}
	}
}

func jsonNumber(f float64) string {
	data, _ := json.Marshal(f)
	return string(data)
}

func TestWriteMoveRemoveFolders(t *testing.T) {
	s, m, src := writeMount(t)
	catID := getxattr(t, filepath.Join(m.Dir, "cat.jpg"), "user.dl.id")
	subID := getxattr(t, filepath.Join(m.Dir, "sub", "000000000049.jpg"), "user.dl.id")

	sh(t, "mv", filepath.Join(m.Dir, "cat.jpg"), filepath.Join(m.Dir, "sub")+"/")
	sh(t, "mv", filepath.Join(m.Dir, "sub"), filepath.Join(m.Dir, "val"))
	// The same process sees the truth at once, sidecars included.
	ls := sh(t, "ls", m.Dir)
	if strings.Contains(ls, "cat.jpg") || strings.Contains(ls, "sub\n") || !strings.Contains(ls, "val") {
		t.Errorf("ls after mv:\n%s", ls)
	}
	lsVal := sh(t, "ls", filepath.Join(m.Dir, "val"))
	if !strings.Contains(lsVal, "cat.jpg\ncat.jpg.annotations.json\n") {
		t.Errorf("ls val after mv:\n%s", lsVal)
	}
	sh(t, "rm", filepath.Join(m.Dir, "000000000009.jpg"))
	sh(t, "mkdir", filepath.Join(m.Dir, "test"), filepath.Join(m.Dir, "empty"))
	sh(t, "rmdir", filepath.Join(m.Dir, "empty"))
	if msg := shErr(t, "rmdir", filepath.Join(m.Dir, "val")); !strings.Contains(msg, "not empty") {
		t.Errorf("rmdir of a full folder: %q, want ENOTEMPTY", msg)
	}
	msg := shErr(t, "ln", filepath.Join(m.Dir, "val", "cat.jpg"), filepath.Join(m.Dir, "hl"))
	if !strings.Contains(msg, "not supported") {
		t.Errorf("ln: %q, want ENOTSUP", msg)
	}
	m.Stop()

	cat := showItem(t, s, "w", "/val/cat.jpg")
	if cat["id"] != catID || cat["filename"] != "/val/cat.jpg" || cat["dir"] != "/val" {
		t.Errorf("moved cat.jpg: id %v filename %v dir %v, want id %s at /val", cat["id"],
			cat["filename"], cat["dir"], catID)
	}
	wantAnns := fixtureAnnotations(t, filepath.Join(src, "json", "cat.json"))
	if got := annotationsOf(t, s, "w", "/val/cat.jpg"); len(got) != len(wantAnns) {
		t.Errorf("moved cat.jpg: %d annotations, want %d", len(got), len(wantAnns))
	}
	if got := showItem(t, s, "w", "/val/000000000049.jpg"); got["id"] != subID {
		t.Errorf("item of the moved folder: id %v, want %s", got["id"], subID)
	}
	if _, _, code := s.Run("show", "--dataset", "w", "/000000000009.jpg"); code == 0 {
		t.Errorf("removed item still shown")
	}

	m = s.Mount("--dataset", "w")
	sh(t, "cmp", filepath.Join(m.Dir, "val", "cat.jpg"), filepath.Join(src, "items", "cat.jpg"))
	sh(t, "cmp", filepath.Join(m.Dir, "val", "000000000072.jpg"),
		filepath.Join(src, "items", "sub", "000000000072.jpg"))
	for _, gone := range []string{"sub", "empty", "000000000009.jpg", "cat.jpg"} {
		if _, err := os.Lstat(filepath.Join(m.Dir, gone)); !os.IsNotExist(err) {
			t.Errorf("%s after remount: %v, want it gone", gone, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(m.Dir, "test")); err != nil || !fi.IsDir() {
		t.Errorf("mkdir'ed folder after remount: %v", err)
	}
}

func TestWriteOverwriteKeepsID(t *testing.T) {
	s, m, src := writeMount(t)
	target := filepath.Join(m.Dir, "000000000025.jpg")
	id := getxattr(t, target, "user.dl.id")
	newBytes := filepath.Join(src, "items", "000000000030.jpg")
	sh(t, "cp", newBytes, target)
	m.Stop()

	it := showItem(t, s, "w", "/000000000025.jpg")
	if it["id"] != id {
		t.Errorf("overwritten item: id %v, want %s", it["id"], id)
	}
	if it["updatedAt"] == it["createdAt"] || it["updatedAt"] == nil {
		t.Errorf("overwritten item: updatedAt %v, createdAt %v", it["updatedAt"], it["createdAt"])
	}
	wantAnns := fixtureAnnotations(t, filepath.Join(src, "json", "000000000025.json"))
	if got := annotationsOf(t, s, "w", "/000000000025.jpg"); len(got) != len(wantAnns) {
		t.Errorf("overwritten item: %d annotations, want its %d kept", len(got), len(wantAnns))
	}
	m = s.Mount("--dataset", "w")
	sh(t, "cmp", filepath.Join(m.Dir, "000000000025.jpg"), newBytes)
	fi, _ := os.Stat(newBytes)
	sz := getxattr(t, filepath.Join(m.Dir, "000000000025.jpg"), "user.dl.metadata.system.size")
	if sz != jsonNumber(float64(fi.Size())) {
		t.Errorf("overwritten item: system.size %s, want %d", sz, fi.Size())
	}
}

func TestWriteUserMetadataByXattr(t *testing.T) {
	s, m, _ := writeMount(t)
	file := filepath.Join(m.Dir, "000000000034.jpg")
	folder := filepath.Join(m.Dir, "sub")
	sh(t, "setfattr", "-n", "user.dl.metadata.user.reviewed", "-v", "true", file)
	sh(t, "setfattr", "-n", "user.dl.metadata.user.review.by", "-v", "ann lee", file)
	sh(t, "setfattr", "-n", "user.dl.metadata.user.score", "-v", "0.75", file)
	sh(t, "setfattr", "-n", "user.dl.metadata.user.drop", "-v", "1", file)
	sh(t, "setfattr", "-x", "user.dl.metadata.user.drop", file)
	sh(t, "setfattr", "-n", "user.dl.metadata.user.split", "-v", "train", folder)
	// Seen at once, in the same mount.
	if v := getxattr(t, file, "user.dl.metadata.user.review.by"); v != "ann lee" {
		t.Errorf("user.review.by right after setfattr: %q", v)
	}
	for _, name := range []string{"user.dl.metadata.system.width", "user.dl.id", "user.mime_type"} {
		msg := shErr(t, "setfattr", "-n", name, "-v", "1", file)
		if !strings.Contains(msg, "not permitted") {
			t.Errorf("setfattr %s: %q, want EPERM", name, msg)
		}
	}
	msg := shErr(t, "setfattr", "-x", "user.dl.metadata.system.size", file)
	if !strings.Contains(msg, "not permitted") {
		t.Errorf("removing system metadata: %q, want EPERM", msg)
	}
	big := strings.Repeat("x", 64<<10+1)
	if msg := shErr(t, "setfattr", "-n", "user.dl.metadata.user.big", "-v", big, file); msg == "" {
		t.Errorf("a value over 64 KiB was accepted")
	}
	m.Stop()

	it := showItem(t, s, "w", "/000000000034.jpg")
	user, _ := it["metadata"].(map[string]any)["user"].(map[string]any)
	want := map[string]any{"reviewed": true, "review": map[string]any{"by": "ann lee"}, "score": 0.75}
	if js(user) != js(want) {
		t.Errorf("metadata.user = %s, want %s", js(user), js(want))
	}
	m = s.Mount("--dataset", "w")
	file = filepath.Join(m.Dir, "000000000034.jpg")
	if v := getxattr(t, file, "user.dl.metadata.user.reviewed"); v != "true" {
		t.Errorf("user.reviewed after remount: %q", v)
	}
	if v := getxattr(t, filepath.Join(m.Dir, "sub"), "user.dl.metadata.user.split"); v != "train" {
		t.Errorf("folder's user.split after remount: %q", v)
	}
	out := sh(t, "getfattr", "-d", filepath.Join(m.Dir, "000000000034.jpg"))
	if strings.Contains(out, "user.drop") {
		t.Errorf("removed attribute still listed:\n%s", out)
	}
}

func js(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

func TestWriteReadOnlyRefusesEverything(t *testing.T) {
	requireFUSE(t)
	requireTool(t, "setfattr")
	s := newStore(t)
	importFixture(t, s, "w")
	m := s.Mount("--dataset", "w", "--read-only")
	p := func(name string) string { return filepath.Join(m.Dir, name) }
	cases := [][]string{
		{"touch", p("new.txt")},
		{"mkdir", p("newdir")},
		{"rm", p("cat.jpg")},
		{"mv", p("cat.jpg"), p("dog.jpg")},
		{"rmdir", p("sub")},
		{"setfattr", "-n", "user.dl.metadata.user.x", "-v", "1", p("cat.jpg")},
		{"sh", "-c", "echo [] > " + p("cat.jpg.annotations.json")},
		{"sh", "-c", "echo x >> " + p("cat.jpg")},
	}
	for _, c := range cases {
		msg := shErr(t, c[0], c[1:]...)
		if !strings.Contains(msg, "Read-only file system") {
			t.Errorf("%v: %q, want EROFS", c, msg)
		}
	}
}

func TestWriteGCRemovesOnlyUnreferenced(t *testing.T) {
	s, m, src := writeMount(t)
	if _, errOut, code := s.Run("gc"); code == 0 || !strings.Contains(errOut, "in use") {
		t.Errorf("gc while mounted: exit %d, %q; want a refusal", code, errOut)
	}
	sh(t, "cp", filepath.Join(src, "items", "000000000030.jpg"),
		filepath.Join(m.Dir, "000000000025.jpg"))
	sh(t, "rm", filepath.Join(m.Dir, "000000000009.jpg"))
	m.Stop()

	// The old bytes of the overwritten and the removed item go, and the
	// empty blob a mount stores for new files may; nothing else.
	gone := map[string]bool{fileSHA(t, filepath.Join(src, "items", "000000000025.jpg")): true,
		fileSHA(t, filepath.Join(src, "items", "000000000009.jpg")): true}
	emptySHA := fmt.Sprintf("%x", sha256.Sum256(nil))
	before := countBlobs(t, s)
	listed := strings.Fields(s.MustRun("gc", "--dry-run"))
	found := 0
	for _, key := range listed {
		switch {
		case gone[key]:
			found++
		case key != emptySHA:
			t.Errorf("gc --dry-run lists %s, which an item points at", key)
		}
	}
	if found != len(gone) {
		t.Errorf("gc --dry-run lists %v, want both unreferenced blobs %v", listed, gone)
	}
	s.MustRun("gc")
	if after := countBlobs(t, s); after != before-len(listed) {
		t.Errorf("gc: %d blobs left of %d, want %d removed", after, before, len(listed))
	}
	m = s.Mount("--dataset", "w")
	sh(t, "cmp", filepath.Join(m.Dir, "000000000025.jpg"),
		filepath.Join(src, "items", "000000000030.jpg"))
	sh(t, "cmp", filepath.Join(m.Dir, "sub", "000000000049.jpg"),
		filepath.Join(src, "items", "sub", "000000000049.jpg"))
}

// countBlobs counts the files in the store's blob folder.
func countBlobs(t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	filepath.WalkDir(filepath.Join(s.Dir, "blobs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// fileSHA returns the hex sha256 of a file, the key of its blob.
func fileSHA(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(data))
}

func TestWriteLinkedDatasetIsReadOnly(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	src := filepath.Join(fixtures(t), "coco", "images")
	s.MustRun("import", "--dataset", "linked", "--link", src)
	s.MustRun("import", "--dataset", "local", t.TempDir())

	m := s.Mount("--dataset", "linked")
	if msg := shErr(t, "touch", filepath.Join(m.Dir, "new.txt")); !strings.Contains(msg, "Read-only") {
		t.Errorf("touch in a linked dataset: %q, want EROFS", msg)
	}
	if !strings.Contains(m.Log(), "read-only") {
		t.Errorf("mount log does not say the linked dataset is read-only:\n%s", m.Log())
	}
	m.Stop()

	// Mounting every dataset, the linked one refuses changes, the other
	// takes them.
	m = s.Mount()
	msg := shErr(t, "mkdir", filepath.Join(m.Dir, "linked", "d"))
	if !strings.Contains(msg, "Read-only") {
		t.Errorf("mkdir in a linked dataset: %q, want EROFS", msg)
	}
	sh(t, "mkdir", filepath.Join(m.Dir, "local", "d"))
	sh(t, "cp", filepath.Join(src, "000000444010.jpg"), filepath.Join(m.Dir, "local", "d"))
	sh(t, "cmp", filepath.Join(m.Dir, "local", "d", "000000444010.jpg"),
		filepath.Join(src, "000000444010.jpg"))
}

func TestWriteMoveLargeFolder(t *testing.T) {
	requireFUSE(t)
	requireTool(t, "getfattr")
	s := newStore(t)
	src := t.TempDir()
	const files = 3000 // more than one catalog transaction holds
	if err := os.Mkdir(filepath.Join(src, "f"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < files; i++ {
		name := filepath.Join(src, "f", fmt.Sprintf("%04d.txt", i))
		if err := os.WriteFile(name, []byte(fmt.Sprint(i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s.MustRun("import", "--dataset", "big", src)
	m := s.Mount("--dataset", "big")
	id := getxattr(t, filepath.Join(m.Dir, "f", "1234.txt"), "user.dl.id")
	sh(t, "mv", filepath.Join(m.Dir, "f"), filepath.Join(m.Dir, "g"))
	if !strings.Contains(m.Log(), "in batches") {
		t.Errorf("the move did not need batches; raise files:\n%s", m.Log())
	}
	m.Stop()

	m = s.Mount("--dataset", "big")
	entries, err := os.ReadDir(filepath.Join(m.Dir, "g"))
	if err != nil || len(entries) != 2*files {
		t.Fatalf("moved folder: %d entries (%v), want %d files and their sidecars",
			len(entries), err, files)
	}
	got := filepath.Join(m.Dir, "g", "1234.txt")
	if v := getxattr(t, got, "user.dl.id"); v != id {
		t.Errorf("moved item id %s, want %s", v, id)
	}
	sh(t, "cmp", got, filepath.Join(src, "f", "1234.txt"))
	if _, err := os.Stat(filepath.Join(m.Dir, "f")); !os.IsNotExist(err) {
		t.Errorf("old folder after the move: %v", err)
	}
}
