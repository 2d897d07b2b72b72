package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nonBoxProblems lists, for a writer, the problem every annotation of the
// fixture that is not a box must give.
func nonBoxProblems(images []Image, format string) map[string]string {
	want := map[string]string{}
	for _, im := range images {
		for j, a := range im.Annotations {
			if annotationType(a) != typeBox {
				key := fmt.Sprintf("%s|annotations[%d]", filepath.Base(im.Path), j)
				want[key] = "has no " + format + " form"
			}
		}
	}
	return want
}

// itoa formats a small index.
func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(i)) }

func fmtInt(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return fmtInt(i/10) + string(rune('0'+i%10))
}

func TestYOLORoundTripFixture(t *testing.T) {
	images := loadDataloopExport(t)
	dir := t.TempDir()
	problems, err := WriteYOLO(dir, images)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, problems, nonBoxProblems(images, "yolo"))

	labels := map[string]bool{}
	for _, im := range images {
		for _, a := range boxesOnly(im.Annotations) {
			labels[annotationLabel(a)] = true
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, YOLOLabelsFile))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(data), strings.Join(sortedLabels(labels), "\n")+"\n"; got != want {
		t.Errorf("labels.txt is %q, want %q", got, want)
	}

	got, problems, err := ReadYOLO(dir, byPath(images))
	if err != nil || len(problems) > 0 {
		t.Fatalf("ReadYOLO: %v %v", problems, err)
	}
	n := 0
	for _, im := range images {
		sameBoxes(t, im.Path, boxesOnly(im.Annotations), got[im.Path], 0.01)
		n += len(got[im.Path])
	}
	if n == 0 {
		t.Fatal("no box came back")
	}
}

func TestYOLOOrientationSwap(t *testing.T) {
	box := newBox("cat", rect{10, 20, 30, 60})
	for _, tc := range []struct {
		orientation int
		line        string
	}{
		// Stored 200x100. Orientations 1-4 show it 200 wide and 100 high:
		// centre (20,40) -> 0.1 0.4, size 20x40 -> 0.1 0.4.
		{0, "0 0.1 0.4 0.1 0.4"},
		{3, "0 0.1 0.4 0.1 0.4"},
		// Orientations 5-8 show it 100 wide and 200 high: 0.2 0.2 0.2 0.2.
		{6, "0 0.2 0.2 0.2 0.2"},
		{8, "0 0.2 0.2 0.2 0.2"},
	} {
		img := Image{Path: "/a.jpg", Width: 200, Height: 100, Orientation: tc.orientation,
			Annotations: []map[string]any{box}}
		dir := t.TempDir()
		if _, err := WriteYOLO(dir, []Image{img}); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "a.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(data)); got != tc.line {
			t.Errorf("orientation %d: wrote %q, want %q", tc.orientation, got, tc.line)
		}
		got, _, err := ReadYOLO(dir, map[string]Image{img.Path: img})
		if err != nil {
			t.Fatal(err)
		}
		sameBoxes(t, img.Path, []map[string]any{box}, got[img.Path], 1e-9)
	}
}

func TestReadYOLOProblems(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		YOLOLabelsFile: "cat\ndog\n\n",
		"sub/a.txt": strings.Join([]string{
			"1 0.5 0.5 0.2 0.2",  // line 1: good
			"1 0.5 0.5",          // line 2: too few fields
			"5 0.5 0.5 0.1 0.1",  // line 3: class 5 of 2
			"0 1.5 0.5 0.5 0.5",  // line 4: right of the image
			"x 0.5 0.5 0.1 0.1",  // line 5: class not a number
			"",                   // line 6: blank, skipped
			"0 0.5 0.5 -0.1 0.1", // line 7: negative width
			"0 0.5 0.5 0.1 1e",   // line 8: bad number
			"0 0.25 0.25 0.5 0.5",
		}, "\n"),
		"orphan.txt": "0 0.5 0.5 0.1 0.1\n",
		"b.txt":      "0 0.5 0.5 0.1 0.1\n",
		"nosize.txt": "0 0.5 0.5 0.1 0.1\n",
	}
	for rel, body := range files {
		if err := writeFile(dir, rel, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	images := map[string]Image{
		"/sub/a.jpg":  {Path: "/sub/a.jpg", Width: 100, Height: 50},
		"/b.jpg":      {Path: "/b.jpg", Width: 10, Height: 10},
		"/b.png":      {Path: "/b.png", Width: 10, Height: 10},
		"/nosize.jpg": {Path: "/nosize.jpg"},
	}
	got, problems, err := ReadYOLO(dir, images)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, problems, map[string]string{
		"a.txt|line 2": "malformed line: 3 fields",
		"a.txt|line 3": "unknown class 5",
		"a.txt|line 4": "outside the 100x50 image",
		"a.txt|line 5": `malformed class "x"`,
		"a.txt|line 7": "negative box size",
		"a.txt|line 8": `malformed number "1e"`,
		"orphan.txt|":  "no item matches",
		"b.txt|":       "items /b.jpg, /b.png share this file",
		"nosize.txt|":  "no known size",
	})
	want := []map[string]any{newBox("dog", rect{40, 20, 60, 30}), newBox("cat", rect{0, 0, 50, 25})}
	sameBoxes(t, "/sub/a.jpg", want, got["/sub/a.jpg"], 1e-9)
	if len(got) != 1 {
		t.Errorf("boxes for %d items, want 1", len(got))
	}

	if _, _, err := ReadYOLO(t.TempDir(), images); err == nil {
		t.Error("a folder without labels.txt was read")
	}
}

func TestWriteYOLOCollisions(t *testing.T) {
	box := newBox("cat", rect{1, 1, 2, 2})
	images := []Image{
		{Path: "/b.png", Width: 10, Height: 10, Annotations: []map[string]any{box}},
		{Path: "/b.jpg", Width: 10, Height: 10, Annotations: []map[string]any{box}},
		{Path: "/labels.jpg", Width: 10, Height: 10},
		{Path: "/c.jpg", Annotations: []map[string]any{box}},
	}
	problems, err := WriteYOLO(t.TempDir(), images)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, problems, map[string]string{
		"b.png|":               "file b.txt is taken by /b.jpg",
		"labels.jpg|":          "file labels.txt is reserved",
		"c.jpg|annotations[0]": "no known size",
	})
}
