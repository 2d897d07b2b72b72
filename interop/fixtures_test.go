package interop

import (
	"encoding/json"
	"image"
	_ "image/jpeg" // fixture images are JPEG
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlfs/dlfs/internal/fixtures"
)

func fixturesDir(t *testing.T) string { return fixtures.Path(t) }

// loadDataloopExport reads the Dataloop export fixture: each item JSON with
// its annotations, sizes from metadata.system and orientation from its exif.
func loadDataloopExport(t *testing.T) []Image {
	t.Helper()
	root := filepath.Join(fixturesDir(t), "dataloop-export", "json")
	var images []Image
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var it struct {
			Filename string `json:"filename"`
			Metadata struct {
				System struct {
					Width, Height int
					Exif          struct{ Orientation int }
				}
			}
			Annotations []map[string]any `json:"annotations"`
		}
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.UseNumber()
		if err := dec.Decode(&it); err != nil {
			return err
		}
		sys := it.Metadata.System
		images = append(images, Image{Path: it.Filename, Width: sys.Width, Height: sys.Height,
			Orientation: sys.Exif.Orientation, Annotations: it.Annotations})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(images) == 0 {
		t.Fatal("no item json in the dataloop export fixture")
	}
	return images
}

// cocoFixtureImages returns the items of the COCO fixture, sized from the
// JPEG files themselves.
func cocoFixtureImages(t *testing.T) map[string]Image {
	t.Helper()
	dir := filepath.Join(fixturesDir(t), "coco", "images")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]Image{}
	for _, e := range entries {
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		cfg, _, err := image.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		p := "/" + e.Name()
		images[p] = Image{Path: p, Width: cfg.Width, Height: cfg.Height}
	}
	return images
}

// byPath indexes images by path.
func byPath(images []Image) map[string]Image {
	m := map[string]Image{}
	for _, im := range images {
		m[im.Path] = im
	}
	return m
}

// boxesOnly keeps the box annotations.
func boxesOnly(anns []map[string]any) []map[string]any {
	var out []map[string]any
	for _, a := range anns {
		if annotationType(a) == typeBox {
			out = append(out, a)
		}
	}
	return out
}

// sameBoxes checks that got holds the boxes of want, in order, with the
// same labels and corners within tol pixels.
func sameBoxes(t *testing.T, item string, want, got []map[string]any, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d boxes, want %d", item, len(got), len(want))
		return
	}
	for i := range want {
		wr, err := boxOf(want[i])
		if err != nil {
			t.Fatalf("%s: want[%d]: %v", item, i, err)
		}
		gr, err := boxOf(got[i])
		if err != nil {
			t.Fatalf("%s: got[%d]: %v", item, i, err)
		}
		if annotationLabel(got[i]) != annotationLabel(want[i]) {
			t.Errorf("%s: box %d label %q, want %q", item, i,
				annotationLabel(got[i]), annotationLabel(want[i]))
		}
		if !near(wr, gr, tol) {
			t.Errorf("%s: box %d is %v, want %v", item, i, gr, wr)
		}
	}
}

// near tells whether two boxes agree within tol on every corner value.
func near(a, b rect, tol float64) bool {
	return math.Abs(a.X0-b.X0) <= tol && math.Abs(a.Y0-b.Y0) <= tol &&
		math.Abs(a.X1-b.X1) <= tol && math.Abs(a.Y1-b.Y1) <= tol
}

// problemKeys lists problems as "base(file)|position" for comparison, and
// the reasons by the same key.
func problemKeys(problems []Problem) map[string]string {
	m := map[string]string{}
	for _, p := range problems {
		m[filepath.Base(p.File)+"|"+p.Position] = p.Reason
	}
	return m
}

// wantProblems checks that problems are exactly those of want (key to a
// part of the reason).
func wantProblems(t *testing.T, problems []Problem, want map[string]string) {
	t.Helper()
	got := problemKeys(problems)
	if len(problems) != len(got) {
		t.Errorf("two problems share a position: %v", problems)
	}
	for k, part := range want {
		reason, ok := got[k]
		if !ok {
			t.Errorf("missing problem %s (%q)", k, part)
			continue
		}
		if !strings.Contains(reason, part) {
			t.Errorf("problem %s: reason %q does not say %q", k, reason, part)
		}
	}
	for k, reason := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected problem %s: %s", k, reason)
		}
	}
}
