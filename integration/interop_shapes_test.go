package integration

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// writeExportDir writes a Dataloop export into a new temporary folder:
// binaries copied from the fixture images (item path -> fixture file) or
// given as content, and JSON files as given (path under json/ -> text).
func writeExportDir(t *testing.T, copies map[string]string, contents map[string]string,
	jsons map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(rel string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for itemPath, src := range copies {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		write("items"+itemPath, data)
	}
	for itemPath, text := range contents {
		write("items"+itemPath, []byte(text))
	}
	for rel, text := range jsons {
		write("json/"+rel, []byte(text))
	}
	return dir
}

// sidecarOf reads an item's X.annotations.json through the mount.
func sidecarOf(t *testing.T, file string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(file + ".annotations.json")
	if err != nil {
		t.Fatal(err)
	}
	var anns []map[string]any
	if err := json.Unmarshal(data, &anns); err != nil {
		t.Fatalf("%s.annotations.json: %v", file, err)
	}
	return anns
}

var hexID = regexp.MustCompile(`^[0-9a-f]{24}$`)

// The three older export shapes import, each through a real mount: ids
// from "_id" and "annotationId", metadata from "itemMetadata", and a bare
// annotations file matched to its binary by path.
func TestOlderExportShapesThroughMount(t *testing.T) {
	requireFUSE(t)
	requireTool(t, "getfattr")
	images := filepath.Join(fixtures(t), "dataloop-export", "items")
	src := writeExportDir(t, map[string]string{
		"/full.jpg":     filepath.Join(images, "000000000009.jpg"),
		"/noMeta.jpg":   filepath.Join(images, "000000000025.jpg"),
		"/sub/bare.jpg": filepath.Join(images, "sub", "000000000049.jpg"),
	}, nil, map[string]string{
		"full.json": `{"_id": "5f00000000000000000000a1", "filename": "/full.jpg",
			"itemMetadata": {"user": {"split": "train"}},
			"annotations": [{"_id": "5f00000000000000000000b1", "type": "box", "label": "dog",
				"coordinates": [{"x": 1, "y": 2}, {"x": 30.5, "y": 40}]}]}`,
		"noMeta.json": `{"_id": "5f00000000000000000000a2", "filename": "/noMeta.jpg",
			"annotations": [{"annotationId": "5f00000000000000000000b2", "type": "point",
				"label": "eye", "coordinates": {"x": 5, "y": 6}}]}`,
		"sub/bare.jpg.json": `{"annotations": [{"type": "class", "label": "night"}]}`,
	})
	s := newStore(t)
	out := s.MustRun("import", "--dataset", "old", src)
	if !strings.Contains(out, "3 items stored") || !strings.Contains(out, "3 annotations") {
		t.Fatalf("import: %q, want 3 items and 3 annotations", out)
	}
	m := s.Mount("--dataset", "old")

	cases := []struct {
		shape, path, id, annID, label string
		user                          string // metadata.user.split, "" for none
	}{
		{"_id, filename, annotations, itemMetadata", "/full.jpg", "5f00000000000000000000a1",
			"5f00000000000000000000b1", "dog", "train"},
		{"_id, filename, annotations", "/noMeta.jpg", "5f00000000000000000000a2",
			"5f00000000000000000000b2", "eye", ""},
		{"bare annotations", "/sub/bare.jpg", "", "", "night", ""},
	}
	for _, c := range cases {
		t.Run(c.shape, func(t *testing.T) {
			file := filepath.Join(m.Dir, c.path)
			sh(t, "cmp", file, filepath.Join(src, "items", c.path))
			id := getfattr(t, file, "user.dl.id")
			if (c.id != "" && id != c.id) || !hexID.MatchString(id) {
				t.Errorf("user.dl.id %q, want %q", id, c.id)
			}
			if mt := getfattr(t, file, "user.mime_type"); mt != "image/jpeg" {
				t.Errorf("user.mime_type %q: system metadata not read from the file", mt)
			}
			if c.user != "" {
				if got := getfattr(t, file, "user.dl.metadata.user.split"); got != c.user {
					t.Errorf("metadata.user.split %q, want %q", got, c.user)
				}
			}
			anns := sidecarOf(t, file)
			if len(anns) != 1 || anns[0]["label"] != c.label || anns[0]["itemId"] != id {
				t.Fatalf("annotations %v, want one %q of item %s", anns, c.label, id)
			}
			annID, _ := anns[0]["id"].(string)
			if (c.annID != "" && annID != c.annID) || !hexID.MatchString(annID) {
				t.Errorf("annotation id %q, want %q", annID, c.annID)
			}
			for _, old := range []string{"_id", "annotationId"} {
				if _, ok := anns[0][old]; ok {
					t.Errorf("annotation keeps the old key %s: %v", old, anns[0])
				}
			}
		})
	}
}

// Item ids of the special-items export.
const (
	spA     = "5f00000000000000000000c1"
	spB     = "5f00000000000000000000c2"
	spLink  = "5f00000000000000000000d1"
	spPair  = "5f00000000000000000000d2"
	spMulti = "5f00000000000000000000d3"
	spURL   = "5f00000000000000000000d4"
)

// specialContents are the shebang files of the special-items export.
var specialContents = map[string]string{
	"/links/to-a.json": `{"type": "link", "shebang": "dataloop", "metadata": {"dltype": "link",
		"linkInfo": {"type": "id", "ref": "` + spA + `", "mimetype": "image/jpeg"}}}`,
	"/links/web.json": `{"type": "link", "shebang": "dataloop", "metadata": {"dltype": "link",
		"linkInfo": {"type": "url", "ref": "https://example.com/x.jpg"}}}`,
	"/groups/pair.json": `{"type": "collection", "shebang": "dataloop", "metadata": {
		"dltype": "collection", "target": {"type": "id", "ref": "` + spA + `"}},
		"items": [{"type": "id", "ref": "` + spA + `", "target": true},
		          {"type": "id", "ref": "` + spB + `"}]}`,
	"/groups/views.json": `{"type": "multi", "shebang": "dataloop", "metadata": {
		"dltype": "multi"}, "items": [{"type": "id", "ref": "` + spB + `"},
		{"type": "url", "ref": "https://example.com/y.jpg"}]}`,
}

// specialExport writes an export holding two images and the special items.
func specialExport(t *testing.T) string {
	t.Helper()
	images := filepath.Join(fixtures(t), "dataloop-export", "items")
	item := func(id, fn string) string {
		return fmt.Sprintf(`{"id": %q, "filename": %q, "annotations": []}`, id, fn)
	}
	return writeExportDir(t, map[string]string{
		"/a.jpg":     filepath.Join(images, "000000000030.jpg"),
		"/sub/b.jpg": filepath.Join(images, "sub", "000000000061.jpg"),
	}, specialContents, map[string]string{
		"a.json":            item(spA, "/a.jpg"),
		"sub/b.json":        item(spB, "/sub/b.jpg"),
		"links/to-a.json":   item(spLink, "/links/to-a.json"),
		"links/web.json":    item(spURL, "/links/web.json"),
		"groups/pair.json":  item(spPair, "/groups/pair.json"),
		"groups/views.json": item(spMulti, "/groups/views.json"),
	})
}

// Special items through a real mount: a link is a relative symlink to its
// target, a collection and a multiview are folders of symlinks to their
// members, a link to a URL stays a JSON file, and the items' JSON stays
// readable through `dlfs show` and (for the folders) user.dl.item. A
// Dataloop export of them imports back to the same.
func TestSpecialItemsThroughMount(t *testing.T) {
	requireFUSE(t)
	requireTool(t, "getfattr")
	src := specialExport(t)
	s := newStore(t)
	out := s.MustRun("import", "--dataset", "sp", src)
	if !strings.Contains(out, "6 items stored") {
		t.Fatalf("import: %q, want 6 items", out)
	}
	// The store is held by the mount once it runs: show first.
	var shown map[string]any
	if err := json.Unmarshal([]byte(s.MustRun("show", "--dataset", "sp", "/links/to-a.json")),
		&shown); err != nil {
		t.Fatal(err)
	}
	if shown["id"] != spLink || shown["filename"] != "/links/to-a.json" {
		t.Errorf("dlfs show of the link: %v", shown)
	}
	// Exported and imported into a second dataset, the special items come
	// back; the mount of every dataset shows both, so the relative links
	// are checked one folder deeper than in a one-dataset mount.
	ex := filepath.Join(t.TempDir(), "ex")
	s.MustRun("export", "--dataset", "sp", ex)
	s.MustRun("import", "--dataset", "sp2", ex)
	m := s.Mount()
	at := func(p string) string { return filepath.Join(m.Dir, "sp", p) }

	t.Run("link", func(t *testing.T) {
		if got := strings.TrimSpace(sh(t, "readlink", at("links/to-a.json"))); got != "../a.jpg" {
			t.Errorf("readlink links/to-a.json = %q, want ../a.jpg", got)
		}
		sh(t, "cmp", at("links/to-a.json"), filepath.Join(src, "items", "a.jpg"))
		if got := sh(t, "cat", at("links/web.json")); got != specialContents["/links/web.json"] {
			t.Errorf("a link to a URL is not its plain JSON file: %q", got)
		}
	})
	t.Run("collection", func(t *testing.T) {
		checkCollection(t, at("groups/pair.json"), spPair, map[string]string{
			"a.jpg": "../../a.jpg", "b.jpg": "../../sub/b.jpg"})
		sh(t, "cmp", at("groups/pair.json/b.jpg"), filepath.Join(src, "items", "sub", "b.jpg"))
	})
	t.Run("multi", func(t *testing.T) {
		checkCollection(t, at("groups/views.json"), spMulti, map[string]string{
			"b.jpg": "../../sub/b.jpg"})
	})
	t.Run("exported and imported again", func(t *testing.T) {
		again := filepath.Join(m.Dir, "sp2")
		sh(t, "cmp", filepath.Join(again, "links/to-a.json"), filepath.Join(src, "items", "a.jpg"))
		checkCollection(t, filepath.Join(again, "groups/pair.json"), spPair, map[string]string{
			"a.jpg": "../../a.jpg", "b.jpg": "../../sub/b.jpg"})
	})
}

// checkCollection checks that dir lists exactly the member links want
// (name -> target) and carries the collection item's JSON.
func checkCollection(t *testing.T, dir, id string, want map[string]string) {
	t.Helper()
	names := strings.Fields(sh(t, "ls", dir))
	if len(names) != len(want) {
		t.Errorf("ls %s: %v, want %d members", dir, names, len(want))
	}
	for _, n := range names {
		target, ok := want[n]
		if !ok {
			t.Errorf("ls %s: unexpected %s", dir, n)
			continue
		}
		if got := strings.TrimSpace(sh(t, "readlink", filepath.Join(dir, n))); got != target {
			t.Errorf("readlink %s/%s = %q, want %q", dir, n, got, target)
		}
	}
	var item map[string]any
	if err := json.Unmarshal([]byte(getfattr(t, dir, "user.dl.item")), &item); err != nil {
		t.Fatal(err)
	}
	if item["id"] != id {
		t.Errorf("user.dl.item of %s: id %v, want %s", dir, item["id"], id)
	}
}

// Foreign annotations with mismatches: each is reported with its file and
// position, the rest imports, and the exit status is 2.
func TestForeignMismatchesReported(t *testing.T) {
	images := filepath.Join(fixtures(t), "coco", "images")
	dir := t.TempDir()
	cocoFile := filepath.Join(dir, "instances.json")
	// 000000444010.jpg is 640x480.
	writeInputFile(t, cocoFile, `{
 "images": [{"id": 1, "file_name": "000000444010.jpg", "width": 640, "height": 480},
            {"id": 2, "file_name": "gone.jpg", "width": 10, "height": 10}],
 "categories": [{"id": 1, "name": "cat"}],
 "annotations": [
  {"id": 10, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]},
  {"id": 11, "image_id": 2, "category_id": 1, "bbox": [1, 1, 2, 2]},
  {"id": 12, "image_id": 1, "category_id": 9, "bbox": [10, 10, 20, 20]},
  {"id": 13, "image_id": 1, "category_id": 1, "bbox": [630, 10, 50, 20]}]}`)
	yoloDir := filepath.Join(dir, "yolo")
	writeInputFile(t, filepath.Join(yoloDir, "labels.txt"), "cat\n")
	writeInputFile(t, filepath.Join(yoloDir, "000000444010.txt"),
		"0 0.5 0.5 0.2 0.2\n3 0.5 0.5 0.1 0.1\n0 0.99 0.5 0.5 0.5\n")
	writeInputFile(t, filepath.Join(yoloDir, "gone.txt"), "0 0.5 0.5 0.1 0.1\n")

	cases := []struct {
		format, annotations string
		want                []string // parts of stderr: file and position
	}{
		{"coco", cocoFile, []string{
			cocoFile + ": images[1]: no item matches file_name \"gone.jpg\"",
			cocoFile + ": annotations[2]: unknown category_id 9",
			cocoFile + ": annotations[3]:"}},
		{"yolo", yoloDir, []string{
			filepath.Join(yoloDir, "000000444010.txt") + ": line 2:",
			filepath.Join(yoloDir, "000000444010.txt") + ": line 3:",
			filepath.Join(yoloDir, "gone.txt") + ": no item matches this file"}},
	}
	for _, c := range cases {
		t.Run(c.format, func(t *testing.T) {
			s := newStore(t)
			out, errOut, code := s.Run("import", "--dataset", "m", "--format", c.format,
				"--annotations", c.annotations, images)
			if code != 2 {
				t.Errorf("exit status %d, want 2\nstderr: %s", code, errOut)
			}
			if !strings.Contains(out, "6 items stored") || !strings.Contains(out, "1 annotations") ||
				!strings.Contains(out, "3 problems") {
				t.Errorf("summary %q, want 6 items, the 1 good annotation and 3 problems", out)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr does not report %q:\n%s", w, errOut)
				}
			}
		})
	}
}

// writeInputFile writes text to file, creating its folder.
func writeInputFile(t *testing.T, file, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// withOrientation returns a JPEG with an EXIF APP1 segment saying
// orientation o inserted after its JFIF segment.
func withOrientation(t *testing.T, jpeg []byte, o byte) []byte {
	t.Helper()
	if len(jpeg) < 20 || jpeg[2] != 0xff || jpeg[3] != 0xe0 {
		t.Fatal("not a JFIF JPEG")
	}
	at := 4 + int(jpeg[4])<<8 + int(jpeg[5])
	tiff := []byte{'I', 'I', 42, 0, 8, 0, 0, 0, // little-endian, IFD at 8
		1, 0, // one entry: Orientation, SHORT, count 1
		0x12, 0x01, 3, 0, 1, 0, 0, 0, o, 0, 0, 0,
		0, 0, 0, 0} // no next IFD
	app1 := append([]byte{0xff, 0xe1, 0, byte(2 + 6 + len(tiff)), 'E', 'x', 'i', 'f', 0, 0},
		tiff...)
	out := append(append(append([]byte{}, jpeg[:at]...), app1...), jpeg[at:]...)
	return out
}

// YOLO boxes are normalised by the displayed size: for EXIF orientations
// 5 to 8 the stored width and height swap, on import and on export.
func TestYOLORotatedImage(t *testing.T) {
	jpeg, err := os.ReadFile(filepath.Join(fixtures(t), "dataloop-export", "items",
		"000000000030.jpg")) // 640x428 stored, so 428x640 shown at orientation 6
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	writeInputFile(t, filepath.Join(src, "images", "rot.jpg"), string(withOrientation(t, jpeg, 6)))
	writeInputFile(t, filepath.Join(src, "labels", "labels.txt"), "thing\n")
	line := "0 0.25 0.5 0.5 0.25"
	writeInputFile(t, filepath.Join(src, "labels", "rot.txt"), line+"\n")

	s := newStore(t)
	s.MustRun("import", "--dataset", "r", "--format", "yolo", src)
	var item struct {
		Metadata struct {
			System struct {
				Width, Height int
				Exif          struct{ Orientation int }
			}
		}
		Annotations []struct {
			Coordinates []struct{ X, Y float64 }
		}
	}
	if err := json.Unmarshal([]byte(s.MustRun("show", "-a", "--dataset", "r", "/rot.jpg")),
		&item); err != nil {
		t.Fatal(err)
	}
	sys := item.Metadata.System
	if sys.Width != 640 || sys.Height != 428 || sys.Exif.Orientation != 6 {
		t.Fatalf("system metadata %+v, want 640x428 at orientation 6", sys)
	}
	// Centre (0.25*428, 0.5*640), size (0.5*428, 0.25*640).
	want := []float64{0, 240, 214, 400}
	if len(item.Annotations) != 1 || len(item.Annotations[0].Coordinates) != 2 {
		t.Fatalf("annotations %+v, want one box", item.Annotations)
	}
	c := item.Annotations[0].Coordinates
	if got := []float64{c[0].X, c[0].Y, c[1].X, c[1].Y}; !closeTo(got, want) {
		t.Errorf("box %v, want %v", got, want)
	}

	out := filepath.Join(t.TempDir(), "out")
	s.MustRun("export", "--dataset", "r", "--format", "yolo", out)
	data, err := os.ReadFile(filepath.Join(out, "labels", "rot.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Fields(string(data))
	for i, w := range strings.Fields(line) {
		if i >= len(got) || math.Abs(parseF(t, got[i])-parseF(t, w)) > 1e-6 {
			t.Errorf("exported line %q, want %q", strings.TrimSpace(string(data)), line)
			break
		}
	}
}

// parseF parses a decimal number.
func parseF(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
