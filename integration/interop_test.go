package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/creack/pty"
)

// decodeJSONFile decodes a JSON file with numbers kept as json.Number, so
// that comparisons see the exact digits written.
func decodeJSONFile(t *testing.T, file string) any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return v
}

// exportJSONs reads every item JSON of a Dataloop export, by its path
// under json/.
func exportJSONs(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	root := filepath.Join(dir, "json")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		obj, ok := decodeJSONFile(t, p).(map[string]any)
		if !ok {
			t.Fatalf("%s: not a JSON object", p)
		}
		out[filepath.ToSlash(rel)] = obj
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// datasetIDOf returns the id `dlfs datasets` lists for dataset name.
func datasetIDOf(t *testing.T, s *Store, name string) string {
	t.Helper()
	for _, line := range strings.Split(s.MustRun("datasets"), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == name {
			return f[1]
		}
	}
	t.Fatalf("dataset %s is not listed", name)
	return ""
}

// The fixture export, imported, exported and imported into a new dataset,
// gives back every item and annotation JSON field for field. The one field
// that differs on purpose is the item's datasetId: an item takes the id of
// the dataset holding it, and the new dataset cannot have the id of the
// first, which still exists. (Annotations keep the datasetId they came
// with.)
func TestExportDataloopRoundTrip(t *testing.T) {
	s := newStore(t)
	src := importFixture(t, s, "orig")
	first := filepath.Join(t.TempDir(), "first")
	out := s.MustRun("export", "--dataset", "orig", first)
	if !strings.Contains(out, "15 items, 66 annotations exported") {
		t.Errorf("export: %q, want 15 items and 66 annotations", out)
	}
	out = s.MustRun("import", "--dataset", "again", first)
	if !strings.Contains(out, "15 items stored") || !strings.Contains(out, "66 annotations") {
		t.Fatalf("import of the export: %q", out)
	}
	second := filepath.Join(t.TempDir(), "second")
	s.MustRun("export", "--dataset", "again", second)

	want := exportJSONs(t, src)
	got := exportJSONs(t, second)
	if len(got) != len(want) {
		t.Errorf("%d item JSONs after the round trip, want %d", len(got), len(want))
	}
	againID := datasetIDOf(t, s, "again")
	for rel, w := range want {
		g, ok := got[rel]
		if !ok {
			t.Errorf("json/%s: missing after the round trip", rel)
			continue
		}
		if g["datasetId"] != againID {
			t.Errorf("json/%s: datasetId %v, want the new dataset's %s", rel, g["datasetId"],
				againID)
		}
		delete(g, "datasetId")
		w = cloneWithout(w, "datasetId")
		if !reflect.DeepEqual(g, w) {
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(w)
			t.Errorf("json/%s differs from the fixture\ngot  %.600s\nwant %.600s", rel, gj, wj)
		}
		fn, _ := w["filename"].(string)
		sh(t, "cmp", filepath.Join(src, "items", fn), filepath.Join(second, "items", fn))
	}
}

// cloneWithout returns a shallow copy of m without key.
func cloneWithout(m map[string]any, key string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// num reads a JSON number.
func num(t *testing.T, v any) float64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	f, err := n.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// closeTo tells whether a and b agree within 0.01 pixel everywhere.
func closeTo(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 0.01 {
			return false
		}
	}
	return true
}

// cocoDoc is a COCO instances file as the tests read it.
type cocoDoc struct {
	images map[string]string // image id -> file_name
	labels map[string]string // category id -> name
	anns   map[string]map[string]any
}

func readCOCODoc(t *testing.T, file string) cocoDoc {
	t.Helper()
	raw := decodeJSONFile(t, file).(map[string]any)
	doc := cocoDoc{images: map[string]string{}, labels: map[string]string{},
		anns: map[string]map[string]any{}}
	for _, v := range raw["images"].([]any) {
		im := v.(map[string]any)
		doc.images[im["id"].(json.Number).String()] = im["file_name"].(string)
	}
	for _, v := range raw["categories"].([]any) {
		c := v.(map[string]any)
		doc.labels[c["id"].(json.Number).String()] = c["name"].(string)
	}
	for _, v := range raw["annotations"].([]any) {
		a := v.(map[string]any)
		doc.anns[a["id"].(json.Number).String()] = a
	}
	return doc
}

// floats reads a JSON array of numbers.
func floats(t *testing.T, v any) []float64 {
	t.Helper()
	list, _ := v.([]any)
	out := make([]float64, len(list))
	for i, x := range list {
		out[i] = num(t, x)
	}
	return out
}

// polygonBBox returns [x, y, w, h] around a flat polygon.
func polygonBBox(p []float64) []float64 {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i := 0; i+1 < len(p); i += 2 {
		x0, x1 = math.Min(x0, p[i]), math.Max(x1, p[i])
		y0, y1 = math.Min(y0, p[i+1]), math.Max(y1, p[i+1])
	}
	return []float64{x0, y0, x1 - x0, y1 - y0}
}

// rleBBox returns [x, y, w, h] around the set pixels of an uncompressed
// COCO RLE (runs of off and on pixels, column by column), in pixel edges.
func rleBBox(t *testing.T, seg map[string]any) []float64 {
	t.Helper()
	counts := floats(t, seg["counts"])
	h := int(num(t, seg["size"].([]any)[0]))
	x0, y0, x1, y1 := math.MaxInt, math.MaxInt, -1, -1
	pos := 0
	for i, c := range counts {
		if i%2 == 1 {
			for p := pos; p < pos+int(c); p++ {
				x, y := p/h, p%h
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
		pos += int(c)
	}
	return []float64{float64(x0), float64(y0), float64(x1 - x0 + 1), float64(y1 - y0 + 1)}
}

// sameCOCO checks that got holds every annotation of want, by id, on the
// same image file and category, with the same polygon or RLE and a bbox
// within 0.01 pixel. The bbox dlfs writes is the box around the shape: a
// polygon's bounds, a mask's set pixels. The fixture's own bbox is not
// always that (five of its polygons do not reach their bbox; its mask's
// bbox is one pixel short), so it is compared with the shape's box.
func sameCOCO(t *testing.T, want, got cocoDoc) {
	t.Helper()
	if len(got.anns) != len(want.anns) {
		t.Errorf("%d annotations, want %d", len(got.anns), len(want.anns))
	}
	for id, w := range want.anns {
		g, ok := got.anns[id]
		if !ok {
			t.Errorf("annotation %s is missing", id)
			continue
		}
		wImg := want.images[w["image_id"].(json.Number).String()]
		gImg := got.images[g["image_id"].(json.Number).String()]
		wLabel := want.labels[w["category_id"].(json.Number).String()]
		gLabel := got.labels[g["category_id"].(json.Number).String()]
		if wImg != gImg || wLabel != gLabel {
			t.Errorf("annotation %s: %s %q, want %s %q", id, gImg, gLabel, wImg, wLabel)
		}
		wantBox := floats(t, w["bbox"])
		if rings, ok := w["segmentation"].([]any); ok && len(rings) > 0 {
			wp := floats(t, rings[0])
			gRings, _ := g["segmentation"].([]any)
			if len(gRings) != 1 || !closeTo(floats(t, gRings[0]), wp) {
				t.Errorf("annotation %s: polygon differs", id)
			}
			wantBox = polygonBBox(wp)
		}
		if rle, ok := w["segmentation"].(map[string]any); ok {
			grle, _ := g["segmentation"].(map[string]any)
			if !reflect.DeepEqual(floats(t, grle["counts"]), floats(t, rle["counts"])) {
				t.Errorf("annotation %s: mask runs differ", id)
			}
			wantBox = rleBBox(t, rle)
		}
		if gb := floats(t, g["bbox"]); !closeTo(gb, wantBox) {
			t.Errorf("annotation %s: bbox %v, want %v", id, gb, wantBox)
		}
	}
}

// The COCO fixture imports as 6 items with 136 annotations, exports with
// the same polygons, mask box and categories, and the export imports back.
func TestCOCORoundTrip(t *testing.T) {
	s := newStore(t)
	fix := filepath.Join(fixtures(t), "coco")
	ann := filepath.Join(fix, "coco", "annotations.json")
	out := s.MustRun("import", "--dataset", "c", "--format", "coco", "--annotations", ann,
		filepath.Join(fix, "images"))
	if !strings.Contains(out, "6 items stored") || !strings.Contains(out, "136 annotations") {
		t.Fatalf("coco import: %q, want 6 items and 136 annotations", out)
	}
	first := filepath.Join(t.TempDir(), "first")
	s.MustRun("export", "--dataset", "c", "--format", "coco", first)
	want := readCOCODoc(t, ann)
	sameCOCO(t, want, readCOCODoc(t, filepath.Join(first, "annotations.json")))
	for _, name := range want.images {
		sh(t, "cmp", filepath.Join(fix, "images", name), filepath.Join(first, "images", name))
	}

	out = s.MustRun("import", "--dataset", "c2", "--format", "coco", first)
	if !strings.Contains(out, "6 items stored") || !strings.Contains(out, "136 annotations") {
		t.Fatalf("import of the coco export: %q", out)
	}
	second := filepath.Join(t.TempDir(), "second")
	s.MustRun("export", "--dataset", "c2", "--format", "coco", second)
	sameCOCO(t, want, readCOCODoc(t, filepath.Join(second, "annotations.json")))
}

// labelBox is a labelled box of an item JSON.
type labelBox struct {
	label string
	c     []float64 // x0, y0, x1, y1
}

// boxesOf returns the box annotations of each image item of an export, by
// filename, in order.
func boxesOf(t *testing.T, items map[string]map[string]any) map[string][]labelBox {
	t.Helper()
	out := map[string][]labelBox{}
	for _, it := range items {
		md, _ := it["metadata"].(map[string]any)
		sys, _ := md["system"].(map[string]any)
		if mt, _ := sys["mimetype"].(string); !strings.HasPrefix(mt, "image/") {
			continue
		}
		fn, _ := it["filename"].(string)
		anns, _ := it["annotations"].([]any)
		for _, v := range anns {
			a := v.(map[string]any)
			if a["type"] != "box" {
				continue
			}
			co := a["coordinates"].([]any)
			p0, p1 := co[0].(map[string]any), co[1].(map[string]any)
			label, _ := a["label"].(string)
			out[fn] = append(out[fn], labelBox{label, []float64{num(t, p0["x"]), num(t, p0["y"]),
				num(t, p1["x"]), num(t, p1["y"])}})
		}
	}
	return out
}

// YOLO and VOC: the fixture export's image boxes go out and come back, in
// order, with their labels, within 0.01 pixel.
func TestYOLOAndVOCRoundTrip(t *testing.T) {
	s := newStore(t)
	src := importFixture(t, s, "orig")
	want := boxesOf(t, exportJSONs(t, src))
	for _, format := range []string{"yolo", "voc"} {
		t.Run(format, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), format)
			s.MustRun("export", "--dataset", "orig", "--format", format, dir)
			out := s.MustRun("import", "--dataset", format, "--format", format, dir)
			if !strings.Contains(out, "15 items stored") || !strings.Contains(out, "62 annotations") {
				t.Fatalf("import of the %s export: %q, want 15 items and the 62 image boxes",
					format, out)
			}
			back := filepath.Join(t.TempDir(), "back")
			s.MustRun("export", "--dataset", format, back)
			got := boxesOf(t, exportJSONs(t, back))
			if len(got) != len(want) {
				t.Errorf("%d items with boxes, want %d", len(got), len(want))
			}
			for fn, wb := range want {
				gb := got[fn]
				if len(gb) != len(wb) {
					t.Errorf("%s: %d boxes, want %d", fn, len(gb), len(wb))
					continue
				}
				for i := range wb {
					if gb[i].label != wb[i].label || !closeTo(gb[i].c, wb[i].c) {
						t.Errorf("%s: box %d is %v, want %v", fn, i, gb[i], wb[i])
					}
				}
			}
		})
	}
}

// dlfs export draws a progress bar on a terminal, and prints nothing to
// stderr otherwise.
func TestExportProgressOnlyOnTerminal(t *testing.T) {
	s := newStore(t)
	importFixture(t, s, "orig")
	_, errOut, code := s.Run("export", "--dataset", "orig", filepath.Join(t.TempDir(), "plain"))
	if code != 0 || errOut != "" {
		t.Errorf("export off a terminal: exit %d, stderr %q, want 0 and nothing", code, errOut)
	}

	cmd := exec.Command(dlfsBin, "export", "--dataset", "orig", filepath.Join(t.TempDir(), "tty"))
	cmd.Env = append(os.Environ(), "DLFS_STORE="+s.Dir, "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 120})
	if err != nil {
		t.Fatalf("start dlfs export on a terminal: %v", err)
	}
	defer tty.Close()
	var screen bytes.Buffer
	io.Copy(&screen, tty) // ends when the process closes the terminal
	if err := cmd.Wait(); err != nil {
		t.Fatalf("dlfs export on a terminal: %v\n%s", err, screen.String())
	}
	if out := screen.String(); !strings.Contains(out, "exporting") ||
		!strings.Contains(out, "15/15") {
		t.Errorf("no progress bar on the terminal:\n%q", out)
	}
}
