package sample

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// jpegTolerance is how far a JPEG pixel inside a solid shape may stray
// from the shape's colour, per channel.
const jpegTolerance = 24

// pixels is a decoded image and whether its format is lossless.
type pixels struct {
	image.Image
	exact bool
}

// colorAt returns the colour of the pixel that contains (x, y).
func (p pixels) colorAt(x, y float64) color.RGBA {
	return color.RGBAModel.Convert(p.At(int(math.Floor(x)), int(math.Floor(y)))).(color.RGBA)
}

// is reports whether the pixel at (x, y) has colour c.
func (p pixels) is(x, y float64, c color.RGBA) bool {
	got := p.colorAt(x, y)
	tol := 0
	if !p.exact {
		tol = jpegTolerance
	}
	near := func(a, b uint8) bool { return math.Abs(float64(a)-float64(b)) <= float64(tol) }
	return near(got.R, c.R) && near(got.G, c.G) && near(got.B, c.B)
}

// inside reports whether (x, y) lies in the image.
func (p pixels) inside(x, y float64) bool {
	return image.Pt(int(math.Floor(x)), int(math.Floor(y))).In(p.Bounds())
}

// checkAnnotations decodes an item's image and checks that each annotation
// lies within it and covers a shape of the recorded colour.
func checkAnnotations(t *testing.T, dest string, it exported) {
	data, err := os.ReadFile(filepath.Join(dest, "items", filepath.FromSlash(it.Filename)))
	if err != nil {
		t.Fatal(err)
	}
	m, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	img := pixels{m, format == "png"}

	drawn := 0
	for _, a := range it.Annotations {
		if a.ItemID != it.ID || a.DatasetID != it.DatasetID || !hexID.MatchString(a.ID) ||
			a.Metadata.System == nil {
			t.Errorf("annotation %s: itemId %s datasetId %s metadata %+v",
				a.ID, a.ItemID, a.DatasetID, a.Metadata)
		}
		if _, err := time.Parse(timeLayout, a.CreatedAt); err != nil {
			t.Errorf("annotation %s: createdAt: %v", a.ID, err)
		}
		if a.Type == "class" {
			if a.Label != "synthetic" {
				t.Errorf("class label %q", a.Label)
			}
			continue
		}
		drawn++
		c, ok := parseHex(a.Metadata.User.Color)
		if !ok {
			t.Errorf("annotation %s: colour %q", a.ID, a.Metadata.User.Color)
			continue
		}
		checkShape(t, img, a, c)
	}
	if shapes, _ := it.Metadata.User["shapes"].(float64); it.Annotated && drawn != int(shapes) {
		t.Errorf("%d shape annotations, %v shapes drawn", drawn, shapes)
	}
}

// checkShape checks one shape annotation against the image.
func checkShape(t *testing.T, img pixels, a exportedAnnotation, c color.RGBA) {
	switch {
	case a.Type == "box" && (a.Label == "rectangle" || a.Label == "square"):
		checkBox(t, img, a, c)
	case a.Type == "ellipse" && a.Label == "circle":
		checkCircle(t, img, a, c)
	case a.Type == "segment" && a.Label == "triangle":
		checkTriangle(t, img, a, c)
	default:
		t.Errorf("annotation %s: type %q with label %q", a.ID, a.Type, a.Label)
	}
}

func checkBox(t *testing.T, img pixels, a exportedAnnotation, c color.RGBA) {
	var box []struct{ X, Y, Z float64 }
	if err := json.Unmarshal(a.Coordinates, &box); err != nil || len(box) != 2 {
		t.Fatalf("box %s: coordinates %s: %v", a.ID, a.Coordinates, err)
	}
	x0, y0, x1, y1 := box[0].X, box[0].Y, box[1].X, box[1].Y
	b := img.Bounds()
	if x0 < 0 || y0 < 0 || x1 > float64(b.Dx()) || y1 > float64(b.Dy()) || x0 >= x1 || y0 >= y1 {
		t.Errorf("box %s (%v,%v)-(%v,%v) not within %v", a.ID, x0, y0, x1, y1, b)
	}
	if (a.Label == "square") != (x1-x0 == y1-y0) {
		t.Errorf("box %s labelled %s is %vx%v", a.ID, a.Label, x1-x0, y1-y0)
	}
	cx, cy := (x0+x1)/2, (y0+y1)/2
	if !img.is(cx, cy, c) {
		t.Errorf("box %s: centre pixel %v, want %v", a.ID, img.colorAt(cx, cy), c)
	}
	if !img.exact {
		return
	}
	// Lossless: the box is exactly the rectangle, corners in, neighbours out.
	for _, p := range [][2]float64{{x0, y0}, {x1 - 1, y1 - 1}, {x0, y1 - 1}, {x1 - 1, y0}} {
		if !img.is(p[0], p[1], c) {
			t.Errorf("box %s: corner %v is %v, want %v", a.ID, p, img.colorAt(p[0], p[1]), c)
		}
	}
	for _, p := range [][2]float64{{x0 - 1, cy}, {x1, cy}, {cx, y0 - 1}, {cx, y1}} {
		if img.inside(p[0], p[1]) && img.is(p[0], p[1], c) {
			t.Errorf("box %s: pixel %v outside the box has the box's colour", a.ID, p)
		}
	}
}

func checkCircle(t *testing.T, img pixels, a exportedAnnotation, c color.RGBA) {
	var e struct {
		Angle  float64
		Center struct{ X, Y, Z float64 }
		RX, RY float64
	}
	if err := json.Unmarshal(a.Coordinates, &e); err != nil {
		t.Fatalf("ellipse %s: coordinates %s: %v", a.ID, a.Coordinates, err)
	}
	cx, cy, r := e.Center.X, e.Center.Y, e.RX
	b := img.Bounds()
	if e.RX != e.RY || r <= 0 || cx-r < 0 || cy-r < 0 || cx+r > float64(b.Dx()) ||
		cy+r > float64(b.Dy()) {
		t.Errorf("circle %s: centre (%v,%v) radii %v %v not within %v", a.ID, cx, cy, e.RX, e.RY, b)
	}
	if !img.is(cx, cy, c) {
		t.Errorf("circle %s: centre pixel %v, want %v", a.ID, img.colorAt(cx, cy), c)
	}
	if img.exact {
		if !img.is(cx+r-2, cy, c) || !img.is(cx, cy-r+1, c) {
			t.Errorf("circle %s: pixels just inside the rim are not %v", a.ID, c)
		}
		if img.inside(cx+r+1, cy) && img.is(cx+r+1, cy, c) {
			t.Errorf("circle %s: pixel just outside the rim is %v", a.ID, c)
		}
	}
}

func checkTriangle(t *testing.T, img pixels, a exportedAnnotation, c color.RGBA) {
	var poly [][]struct{ X, Y float64 }
	err := json.Unmarshal(a.Coordinates, &poly)
	if err != nil || len(poly) != 1 || len(poly[0]) != 3 {
		t.Fatalf("segment %s: coordinates %s: %v", a.ID, a.Coordinates, err)
	}
	var sx, sy float64
	b := img.Bounds()
	for _, v := range poly[0] {
		if v.X < 0 || v.Y < 0 || v.X > float64(b.Dx()) || v.Y > float64(b.Dy()) {
			t.Errorf("segment %s: vertex %v outside %v", a.ID, v, b)
		}
		sx, sy = sx+v.X, sy+v.Y
	}
	cx, cy := sx/3, sy/3
	if !img.is(cx, cy, c) {
		t.Errorf("triangle %s: centroid pixel %v, want %v", a.ID, img.colorAt(cx, cy), c)
	}
	if !img.exact {
		return
	}
	// Lossless: points near each corner are in, points beyond it are out.
	for _, v := range poly[0] {
		in := [2]float64{v.X + (cx-v.X)*0.25, v.Y + (cy-v.Y)*0.25}
		out := [2]float64{v.X - (cx-v.X)*0.1, v.Y - (cy-v.Y)*0.1}
		if !img.is(in[0], in[1], c) {
			t.Errorf("triangle %s: pixel %v near corner %v is not %v", a.ID, in, v, c)
		}
		if img.inside(out[0], out[1]) && img.is(out[0], out[1], c) {
			t.Errorf("triangle %s: pixel %v beyond corner %v is %v", a.ID, out, v, c)
		}
	}
}

// parseHex parses "#rrggbb".
func parseHex(s string) (color.RGBA, bool) {
	if len(s) != 7 || s[0] != '#' {
		return color.RGBA{}, false
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return color.RGBA{}, false
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}, true
}
