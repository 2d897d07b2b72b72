package interop

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixtureCOCO is the COCO fixture decoded plainly, to derive expectations.
type fixtureCOCO struct {
	Images []struct {
		ID       int64
		FileName string `json:"file_name"`
	}
	Categories []struct {
		ID   int64
		Name string
	}
	Annotations []struct {
		ID           int64
		ImageID      int64 `json:"image_id"`
		CategoryID   int64 `json:"category_id"`
		BBox         []float64
		Segmentation json.RawMessage
	}
}

// readFixtureCOCO returns the fixture's path, its bytes and its plain
// decoding.
func readFixtureCOCO(t *testing.T) (string, []byte, fixtureCOCO) {
	t.Helper()
	file := filepath.Join(fixturesDir(t), "coco", "coco", "annotations.json")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var fc fixtureCOCO
	if err := json.Unmarshal(data, &fc); err != nil {
		t.Fatal(err)
	}
	return file, data, fc
}

// shapesPerAnnotation is how many Dataloop annotations ReadCOCO should make
// of a fixture annotation: one per polygon ring, one for an RLE.
func shapesPerAnnotation(t *testing.T, seg json.RawMessage) int {
	var rings [][]float64
	if json.Unmarshal(seg, &rings) == nil && len(rings) > 0 {
		return len(rings)
	}
	if bytes.HasPrefix(bytes.TrimSpace(seg), []byte("{")) {
		return 1
	}
	t.Fatalf("fixture segmentation %.40s is neither polygons nor rle", seg)
	return 0
}

func TestReadCOCOFixture(t *testing.T) {
	file, data, fc := readFixtureCOCO(t)
	images := cocoFixtureImages(t)
	got, problems, err := ReadCOCO(bytes.NewReader(data), file, images, COCOOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("problems: %v", problems)
	}

	names := map[int64]string{}
	for _, im := range fc.Images {
		names[im.ID] = "/" + im.FileName
	}
	want := map[string]int{}
	for _, a := range fc.Annotations {
		want[names[a.ImageID]] += shapesPerAnnotation(t, a.Segmentation)
	}
	total := 0
	for p, n := range want {
		if len(got[p]) != n {
			t.Errorf("%s: %d annotations, want %d", p, len(got[p]), n)
		}
		total += len(got[p])
	}
	if len(got) != len(fc.Images) || total != 136 {
		t.Errorf("%d items with %d annotations, want %d with 136", len(got), total, len(fc.Images))
	}
	checkFirstCOCOAnnotation(t, fc, got)
	checkCOCOMask(t, fc, got)
}

// checkFirstCOCOAnnotation compares the first fixture annotation with what
// ReadCOCO made of it.
func checkFirstCOCOAnnotation(t *testing.T, fc fixtureCOCO, got map[string][]map[string]any) {
	a := fc.Annotations[0]
	var item string
	for _, im := range fc.Images {
		if im.ID == a.ImageID {
			item = "/" + im.FileName
		}
	}
	var label string
	for _, c := range fc.Categories {
		if c.ID == a.CategoryID {
			label = c.Name
		}
	}
	var ring [][]float64
	if err := json.Unmarshal(a.Segmentation, &ring); err != nil {
		t.Fatal(err)
	}
	ann := got[item][0]
	if annotationType(ann) != typeSegment || annotationLabel(ann) != label || cocoIDOf(ann) != a.ID {
		t.Fatalf("first annotation is %v, want a %q segment with coco id %d", ann, label, a.ID)
	}
	rings, err := ringsOf(ann)
	if err != nil {
		t.Fatal(err)
	}
	if len(rings[0])*2 != len(ring[0]) {
		t.Fatalf("%d points, want %d", len(rings[0]), len(ring[0])/2)
	}
	for i, p := range rings[0] {
		if p.X != ring[0][2*i] || p.Y != ring[0][2*i+1] {
			t.Errorf("point %d is %v, want (%g,%g)", i, p, ring[0][2*i], ring[0][2*i+1])
		}
	}
}

// checkCOCOMask checks the binary annotation made of the fixture's RLE.
func checkCOCOMask(t *testing.T, fc fixtureCOCO, got map[string][]map[string]any) {
	for _, a := range fc.Annotations {
		var rle struct {
			Counts []int
			Size   []int
		}
		if json.Unmarshal(a.Segmentation, &rle) != nil {
			continue
		}
		on, bounds := rleExtent(rle.Counts, rle.Size[0])
		for _, anns := range got {
			for _, ann := range anns {
				if cocoIDOf(ann) != a.ID {
					continue
				}
				s, _ := ann["coordinates"].(string)
				m, err := MaskFromDataURL(s)
				if err != nil {
					t.Fatal(err)
				}
				if m.Height != rle.Size[0] || m.Width != rle.Size[1] || m.Area() != on {
					t.Errorf("mask %dx%d with %d pixels, want %dx%d with %d",
						m.Width, m.Height, m.Area(), rle.Size[1], rle.Size[0], on)
				}
				if r, _ := m.Bounds(); r != bounds {
					t.Errorf("mask bounds %v, want %v", r, bounds)
				}
				return
			}
		}
		t.Fatalf("no annotation kept coco id %d", a.ID)
	}
	t.Fatal("the fixture has no rle annotation")
}

// rleExtent counts the set pixels of column-major runs over a mask of the
// given height and returns them with the box around them in pixel edges.
func rleExtent(counts []int, height int) (int, rect) {
	on, i := 0, 0
	r := rect{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for j, n := range counts {
		for k := i; j%2 == 1 && k < i+n; k++ {
			x, y := float64(k/height), float64(k%height)
			r = rect{min(r.X0, x), min(r.Y0, y), max(r.X1, x+1), max(r.Y1, y+1)}
			on++
		}
		i += n
	}
	return on, r
}

// itemsOf turns ReadCOCO's answer into images to write.
func itemsOf(images map[string]Image, anns map[string][]map[string]any) []Image {
	var out []Image
	for p, im := range images {
		im.Annotations = anns[p]
		out = append(out, im)
	}
	return out
}

func TestCOCORoundTripSegments(t *testing.T) {
	file, data, _ := readFixtureCOCO(t)
	images := cocoFixtureImages(t)
	first, _, err := ReadCOCO(bytes.NewReader(data), file, images, COCOOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	problems, err := WriteCOCO(&buf, itemsOf(images, first))
	if err != nil || len(problems) > 0 {
		t.Fatalf("WriteCOCO: %v %v", problems, err)
	}
	second, problems, err := ReadCOCO(&buf, "written", images, COCOOptions{})
	if err != nil || len(problems) > 0 {
		t.Fatalf("ReadCOCO of the written file: %v %v", problems, err)
	}

	for p, want := range first {
		got := second[p]
		if len(got) != len(want) {
			t.Errorf("%s: %d annotations after the round trip, want %d", p, len(got), len(want))
			continue
		}
		for i := range want {
			w, g := want[i], got[i]
			if annotationType(g) != annotationType(w) || annotationLabel(g) != annotationLabel(w) ||
				cocoIDOf(g) != cocoIDOf(w) {
				t.Errorf("%s[%d]: %s %q %d, want %s %q %d", p, i, annotationType(g),
					annotationLabel(g), cocoIDOf(g), annotationType(w), annotationLabel(w), cocoIDOf(w))
				continue
			}
			sameShape(t, p, i, w, g)
		}
	}
}

// sameShape compares two segments point by point or two masks bit by bit.
func sameShape(t *testing.T, item string, i int, want, got map[string]any) {
	t.Helper()
	if annotationType(want) == typeBinary {
		ws, _ := want["coordinates"].(string)
		gs, _ := got["coordinates"].(string)
		wm, err1 := MaskFromDataURL(ws)
		gm, err2 := MaskFromDataURL(gs)
		if err1 != nil || err2 != nil || !slices.Equal(wm.Bits, gm.Bits) {
			t.Errorf("%s[%d]: masks differ (%v, %v)", item, i, err1, err2)
		}
		return
	}
	wr, err1 := ringsOf(want)
	gr, err2 := ringsOf(got)
	if err1 != nil || err2 != nil || len(wr) != len(gr) || len(wr[0]) != len(gr[0]) {
		t.Errorf("%s[%d]: rings differ (%v, %v)", item, i, err1, err2)
		return
	}
	for j := range wr[0] {
		if math.Abs(wr[0][j].X-gr[0][j].X) > 0.01 || math.Abs(wr[0][j].Y-gr[0][j].Y) > 0.01 {
			t.Errorf("%s[%d]: point %d is %v, want %v", item, i, j, gr[0][j], wr[0][j])
		}
	}
}

func TestCOCORoundTripBoxes(t *testing.T) {
	file, data, fc := readFixtureCOCO(t)
	images := cocoFixtureImages(t)
	opts := COCOOptions{Shapes: COCOBoxes}
	first, problems, err := ReadCOCO(bytes.NewReader(data), file, images, opts)
	if err != nil || len(problems) > 0 {
		t.Fatalf("ReadCOCO: %v %v", problems, err)
	}
	var buf bytes.Buffer
	if _, err := WriteCOCO(&buf, itemsOf(images, first)); err != nil {
		t.Fatal(err)
	}
	var written fixtureCOCO
	if err := json.Unmarshal(buf.Bytes(), &written); err != nil {
		t.Fatal(err)
	}
	second, problems, err := ReadCOCO(bytes.NewReader(buf.Bytes()), "written", images, opts)
	if err != nil || len(problems) > 0 {
		t.Fatalf("ReadCOCO of the written file: %v %v", problems, err)
	}

	// Every fixture bbox comes back, by its id, within 0.01 pixel, from the
	// written file and from the second import.
	wrote := map[int64][]float64{}
	for _, a := range written.Annotations {
		wrote[a.ID] = a.BBox
	}
	read := map[int64]rect{}
	for _, anns := range second {
		for _, a := range anns {
			r, err := boxOf(a)
			if err != nil {
				t.Fatal(err)
			}
			read[cocoIDOf(a)] = r
		}
	}
	for _, a := range fc.Annotations {
		want := rect{a.BBox[0], a.BBox[1], a.BBox[0] + a.BBox[2], a.BBox[1] + a.BBox[3]}
		w := wrote[a.ID]
		if len(w) != 4 || !near(rect{w[0], w[1], w[0] + w[2], w[1] + w[3]}, want, 0.01) {
			t.Errorf("annotation %d: written bbox %v, want %v", a.ID, w, a.BBox)
		}
		if got, ok := read[a.ID]; !ok || !near(got, want, 0.01) {
			t.Errorf("annotation %d: re-read box %v, want %v", a.ID, got, want)
		}
	}
	if len(written.Categories) != countLabels(first) {
		t.Errorf("%d categories written, want %d", len(written.Categories), countLabels(first))
	}
}

// countLabels counts the distinct labels.
func countLabels(anns map[string][]map[string]any) int {
	seen := map[string]bool{}
	for _, l := range anns {
		for _, a := range l {
			seen[annotationLabel(a)] = true
		}
	}
	return len(seen)
}

// problemCOCO has one good annotation and one of each mismatch.
const problemCOCO = `{
 "images": [
  {"id": 1, "file_name": "elsewhere/a.jpg", "width": 100, "height": 50},
  {"id": 2, "file_name": "missing.jpg", "width": 10, "height": 10},
  {"id": 3, "file_name": "b.jpg", "width": 99, "height": 99}
 ],
 "categories": [{"id": 1, "name": "cat"}, {"id": 1, "name": "dog"}, {"id": 2}],
 "annotations": [
  {"id": 10, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]},
  {"id": 11, "image_id": 9, "category_id": 1, "bbox": [10, 10, 20, 20]},
  {"id": 12, "image_id": 1, "category_id": 7, "bbox": [10, 10, 20, 20]},
  {"id": 13, "image_id": 1, "category_id": 1, "bbox": [90, 10, 20, 20]},
  {"id": 14, "image_id": 1, "category_id": 1, "bbox": "wide"},
  {"id": 15, "image_id": 1, "category_id": 1, "bbox": [1, 1, 1, 1],
   "segmentation": {"counts": "255", "size": [50, 100]}},
  {"id": 16, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 2, 2, 3]]},
  {"id": 17, "image_id": 2, "category_id": 1, "bbox": [1, 1, 1, 1]},
  {"id": 18, "image_id": 1, "category_id": 1, "bbox": [1, 1, -1, 1]},
  {"id": 19, "image_id": 3, "category_id": 1,
   "segmentation": {"counts": [0, 2], "size": [1, 2]}}
 ]
}`

func TestReadCOCOProblems(t *testing.T) {
	images := map[string]Image{
		"/x/a.jpg": {Path: "/x/a.jpg", Width: 100, Height: 50},
		"/b.jpg":   {Path: "/b.jpg", Width: 30, Height: 20},
	}
	got, problems, err := ReadCOCO(strings.NewReader(problemCOCO), "in.json", images, COCOOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, problems, map[string]string{
		"in.json|images[1]":      `no item matches file_name "missing.jpg"; its 1 annotations`,
		"in.json|images[2]":      "size 99x99 differs",
		"in.json|categories[1]":  `category id 1 is already "cat"`,
		"in.json|categories[2]":  "no name",
		"in.json|annotations[1]": "unknown image_id 9",
		"in.json|annotations[2]": "unknown category_id 7",
		"in.json|annotations[3]": "outside the 100x50 image",
		"in.json|annotations[4]": "malformed annotation",
		"in.json|annotations[5]": "rle runs cover 12 of the 5000 pixels",
		"in.json|annotations[6]": "ring 0 has 5 numbers",
		"in.json|annotations[8]": "negative size",
		"in.json|annotations[9]": "rle size 2x1 differs from the 30x20 image",
	})
	if len(got["/x/a.jpg"]) != 1 || cocoIDOf(got["/x/a.jpg"][0]) != 10 || len(got) != 1 {
		t.Errorf("imported %v, want only annotation 10 on /x/a.jpg", got)
	}
	if _, _, err := ReadCOCO(strings.NewReader("{"), "bad.json", images, COCOOptions{}); err == nil {
		t.Error("a truncated file was read")
	}
}

func TestWriteCOCOJoinsRingsAndNumbers(t *testing.T) {
	in := `{"images": [{"id": 5, "file_name": "a.jpg"}],
	 "categories": [{"id": 3, "name": "cat"}],
	 "annotations": [{"id": 40, "image_id": 5, "category_id": 3, "iscrowd": 0,
	   "segmentation": [[0, 0, 4, 0, 4, 4], [10, 10, 20, 10, 20, 20, 10, 20]]}]}`
	images := map[string]Image{"/a.jpg": {Path: "/a.jpg", Width: 100, Height: 100}}
	got, problems, err := ReadCOCO(strings.NewReader(in), "in.json", images, COCOOptions{})
	if err != nil || len(problems) > 0 || len(got["/a.jpg"]) != 2 {
		t.Fatalf("ReadCOCO: %v %v %v", got, problems, err)
	}
	img := images["/a.jpg"]
	img.Annotations = append(got["/a.jpg"],
		newBox("dog", rect{1, 2, 4, 6}), // no coco id: numbered after 40
		map[string]any{"type": "point", "label": "dog", "coordinates": map[string]any{}},
		newAnnotation(typeBox, "dog", []any{
			map[string]any{"x": 1, "y": 1}, map[string]any{"x": 2, "y": 2}, 30.0}),
	)
	var buf bytes.Buffer
	problems, err = WriteCOCO(&buf, []Image{img})
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, problems, map[string]string{
		"a.jpg|annotations[3]": `type "point" has no coco form`,
		"a.jpg|annotations[4]": "rotated box",
	})

	var out struct {
		Annotations []cocoOutAnnotation
		Categories  []cocoCategory
	}
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Annotations) != 2 {
		t.Fatalf("%d annotations written, want 2", len(out.Annotations))
	}
	seg, box := out.Annotations[0], out.Annotations[1]
	rings, _ := seg.Segmentation.([]any)
	if seg.ID != 40 || len(rings) != 2 || seg.BBox != [4]float64{0, 0, 20, 20} || seg.Area != 108 {
		t.Errorf("joined segment %+v, want id 40, 2 rings, bbox [0 0 20 20], area 8+100", seg)
	}
	if box.ID != 41 || box.BBox != [4]float64{1, 2, 3, 4} || box.Area != 12 || box.CategoryID != 2 {
		t.Errorf("box %+v, want id 41, bbox [1 2 3 4], area 12, category 2 (dog after cat)", box)
	}
	if len(out.Categories) != 2 || out.Categories[0].Name != "cat" || out.Categories[1].Name != "dog" {
		t.Errorf("categories %+v, want cat=1 dog=2", out.Categories)
	}
}

func TestCOCORoundTripDataloopExport(t *testing.T) {
	images := loadDataloopExport(t)
	var buf bytes.Buffer
	problems, err := WriteCOCO(&buf, images)
	if err != nil || len(problems) > 0 {
		t.Fatalf("WriteCOCO: %v %v", problems, err)
	}
	got, problems, err := ReadCOCO(&buf, "written", byPath(images), COCOOptions{})
	if err != nil || len(problems) > 0 {
		t.Fatalf("ReadCOCO: %v %v", problems, err)
	}

	kinds := map[string]int{}
	for _, im := range images {
		back := got[im.Path]
		if len(back) != len(im.Annotations) {
			t.Errorf("%s: %d annotations back, want %d", im.Path, len(back), len(im.Annotations))
			continue
		}
		for i, want := range im.Annotations {
			typ := annotationType(want)
			kinds[typ]++
			if annotationType(back[i]) != typ || annotationLabel(back[i]) != annotationLabel(want) {
				t.Errorf("%s[%d]: %s %q, want %s %q", im.Path, i, annotationType(back[i]),
					annotationLabel(back[i]), typ, annotationLabel(want))
				continue
			}
			if typ == typeBox {
				sameBoxes(t, im.Path, im.Annotations[i:i+1], back[i:i+1], 0.01)
			} else {
				sameShape(t, im.Path, i, want, back[i])
			}
		}
	}
	if kinds[typeBox] == 0 || kinds[typeSegment] == 0 || kinds[typeBinary] == 0 {
		t.Errorf("the fixture should hold boxes, segments and masks: %v", kinds)
	}
}
