package previewcache

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/render"
)

// decodeFile decodes a picture file of the fixture export.
func decodeFile(t *testing.T, path string) image.Image {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestBoxEdgesInPreview keeps one box of a fixture item and checks its
// preview: JPEG like the source, the box's edges in the label's colour
// (within JPEG's error), the pixels well inside and outside as they were.
func TestBoxEdgesInPreview(t *testing.T) {
	w := newWorld(t)
	const path = "/sub/000000000049.jpg"
	var box meta.Annotation
	for _, a := range exportAnnotations(t, "sub/000000000049") {
		if a.Type() == "box" && a.Label() == "horse" {
			box = a
			break
		}
	}
	if box == nil {
		t.Fatal("the fixture has no horse box")
	}
	w.setAnnotations(t, path, []meta.Annotation{box})
	img, format, _ := w.preview(t, path)
	orig := decodeFile(t, filepath.Join(fixtureExport(t), "items", path))
	if format != "jpeg" || img.Bounds() != orig.Bounds() {
		t.Fatalf("preview is %s %v, want jpeg %v", format, img.Bounds(), orig.Bounds())
	}

	c := box["coordinates"].([]any)
	tl, br := c[0].(map[string]any), c[1].(map[string]any)
	x0, y0, x1, y1 := num(t, tl["x"]), num(t, tl["y"]), num(t, br["x"]), num(t, br["y"])
	want := render.LabelColor("horse")
	for f := 0.3; f <= 0.7; f += 0.1 {
		ym, xm := int(y0+f*(y1-y0)), int(x0+f*(x1-x0))
		for _, p := range []image.Point{{int(x0), ym}, {int(x1), ym}, {xm, int(y1)}} {
			got, was := rgb(img, p.X, p.Y), rgb(orig, p.X, p.Y)
			if dist(got, want) > 64 || dist(got, want) >= dist(was, want) {
				t.Errorf("edge pixel %v is %v (was %v), want near %v", p, got, was, want)
			}
		}
	}
	for _, p := range []image.Point{{int(x0+x1) / 2, int(y0+y1) / 2}, {int(x0) - 10, int(y1) - 20}} {
		if got, was := rgb(img, p.X, p.Y), rgb(orig, p.X, p.Y); dist(got, was) > 24 {
			t.Errorf("pixel %v away from the box changed from %v to %v", p, was, got)
		}
	}
}

// TestMaskTintedInPreview keeps the binary mask of cat.jpg: pixels well
// inside the mask move toward the label's colour, pixels far outside stay.
func TestMaskTintedInPreview(t *testing.T) {
	w := newWorld(t)
	var mask meta.Annotation
	for _, a := range exportAnnotations(t, "cat") {
		if a.Type() == "binary" {
			mask = a
		}
	}
	w.setAnnotations(t, "/cat.jpg", []meta.Annotation{mask})
	img, _, _ := w.preview(t, "/cat.jpg")
	orig := decodeFile(t, filepath.Join(fixtureExport(t), "items", "cat.jpg"))

	url := mask["coordinates"].(string)
	_, b64, _ := strings.Cut(url, ",")
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	m, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	set := func(x, y int) bool {
		r, g, b, a := m.At(x, y).RGBA()
		return a > 0 && r|g|b > 0
	}
	want := render.LabelColor(mask.Label())
	inside, closer, outside := 0, 0, 0
	b := m.Bounds()
	for y := b.Min.Y + 8; y < b.Max.Y-8; y += 4 {
		for x := b.Min.X + 8; x < b.Max.X-8; x += 4 {
			switch around(set, x, y, 3) {
			case 1:
				inside++
				if dist(rgb(img, x, y), want) < dist(rgb(orig, x, y), want) {
					closer++
				}
			case 0:
				if around(set, x, y, 8) == 0 && y > b.Max.Y/2 {
					outside++
					if got, was := rgb(img, x, y), rgb(orig, x, y); dist(got, was) > 24 {
						t.Errorf("pixel (%d,%d) outside the mask changed from %v to %v", x, y, was, got)
					}
				}
			}
		}
	}
	if inside < 20 || closer < inside*9/10 {
		t.Errorf("%d of %d pixels inside the mask moved toward %v, want 90%%", closer, inside, want)
	}
	if outside < 20 {
		t.Errorf("only %d pixels far outside the mask were checked", outside)
	}
}

// around answers 1 when set holds on the whole square of radius r about
// (x, y), 0 when it holds nowhere, and -1 otherwise.
func around(set func(x, y int) bool, x, y, r int) int {
	n := 0
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			if set(x+dx, y+dy) {
				n++
			}
		}
	}
	switch n {
	case (2*r + 1) * (2*r + 1):
		return 1
	case 0:
		return 0
	}
	return -1
}

// TestNoAnnotationsEqualsOriginal: a PNG item without annotations gives a
// PNG preview of exactly the decoded original; a JPEG one gives a JPEG of
// the pixels of the original encoded again at render's documented quality.
func TestNoAnnotationsEqualsOriginal(t *testing.T) {
	w := newWorld(t)
	pic := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for i := range pic.Pix {
		pic.Pix[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	png.Encode(&buf, pic)
	w.putItem(t, "/plain/noise.png", buf.Bytes(), map[string]any{"mimetype": "image/png"}, nil)
	if src := w.source(t, "/plain/noise.png"); src.PreviewName() != "noise.png" {
		t.Errorf("preview name %q, want noise.png", src.PreviewName())
	}
	img, format, _ := w.preview(t, "/plain/noise.png")
	if format != "png" || img.Bounds() != pic.Bounds() {
		t.Fatalf("preview is %s %v, want png %v", format, img.Bounds(), pic.Bounds())
	}
	for y := range 48 {
		for x := range 64 {
			if got, want := color.NRGBAModel.Convert(img.At(x, y)), pic.NRGBAAt(x, y); got != want {
				t.Fatalf("pixel (%d,%d) is %v, want %v", x, y, got, want)
			}
		}
	}

	w.setAnnotations(t, "/000000000025.jpg", []meta.Annotation{})
	img, format, _ = w.preview(t, "/000000000025.jpg")
	orig := decodeFile(t, filepath.Join(fixtureExport(t), "items", "000000000025.jpg"))
	if format != "jpeg" || img.Bounds() != orig.Bounds() {
		t.Fatalf("preview is %s %v, want jpeg %v", format, img.Bounds(), orig.Bounds())
	}
	// render documents JPEG quality 90 for JPEG sources: the original,
	// encoded so, must give the very same pixels.
	flat := image.NewNRGBA(orig.Bounds())
	draw.Draw(flat, flat.Bounds(), orig, orig.Bounds().Min, draw.Src)
	buf.Reset()
	if err := jpeg.Encode(&buf, flat, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	ref, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for y := range orig.Bounds().Dy() {
		for x := range orig.Bounds().Dx() {
			if got, want := rgb(img, x, y), rgb(ref, x, y); got != want {
				t.Fatalf("pixel (%d,%d) is %v, want %v as the original at quality 90",
					x, y, got, want)
			}
		}
	}
}

// TestRotatedEXIFInPreview stores a JPEG whose EXIF says "turn 90°
// clockwise" and a segment in the displayed frame, low in the picture
// where the stored frame has no rows: the preview is upright and tinted
// there.
func TestRotatedEXIFInPreview(t *testing.T) {
	w := newWorld(t)
	stored := image.NewNRGBA(image.Rect(0, 0, 200, 100))
	for i := 0; i < len(stored.Pix); i += 4 {
		copy(stored.Pix[i:], []uint8{128, 128, 128, 255})
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, stored, &jpeg.Options{Quality: 95})
	data := withOrientation(t, buf.Bytes(), 6)
	seg := meta.Annotation{"type": "segment", "label": "spot", "coordinates": []any{[]any{
		map[string]any{"x": 20.0, "y": 130.0}, map[string]any{"x": 80.0, "y": 130.0},
		map[string]any{"x": 80.0, "y": 190.0}, map[string]any{"x": 20.0, "y": 190.0}}}}
	w.putItem(t, "/turned.jpg", data, map[string]any{"mimetype": "image/jpeg",
		"exif": map[string]any{"Orientation": 6}}, []meta.Annotation{seg})

	if src := w.source(t, "/turned.jpg"); src.Orientation != 6 {
		t.Fatalf("orientation %d, want 6", src.Orientation)
	}
	img, _, _ := w.preview(t, "/turned.jpg")
	if b := img.Bounds(); b.Dx() != 100 || b.Dy() != 200 {
		t.Fatalf("preview is %v, want 100x200 (upright)", b)
	}
	gray := color.RGBA{128, 128, 128, 255}
	want := render.LabelColor("spot")
	if got := rgb(img, 50, 160); dist(got, want) >= dist(gray, want) || dist(got, gray) < 20 {
		t.Errorf("inside the segment (50,160) is %v, want tinted toward %v", got, want)
	}
	if got := rgb(img, 50, 100); dist(got, gray) > 8 {
		t.Errorf("above the segment (50,100) is %v, want the gray background", got)
	}
}

// withOrientation inserts an EXIF segment with the given orientation after
// a JPEG's SOI marker.
func withOrientation(t *testing.T, data []byte, o uint16) []byte {
	t.Helper()
	tiff := []byte{'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, // header, one entry
		0x12, 0x01, 3, 0, 1, 0, 0, 0, byte(o), byte(o >> 8), 0, 0, // Orientation, SHORT
		0, 0, 0, 0} // no next directory
	payload := append([]byte("Exif\x00\x00"), tiff...)
	n := len(payload) + 2
	seg := append([]byte{0xFF, 0xE1, byte(n >> 8), byte(n)}, payload...)
	out := append([]byte{}, data[:2]...)
	out = append(out, seg...)
	return append(out, data[2:]...)
}

// TestAnnotationChangeMakesNewPreview changes an item's annotations in a
// catalog transaction: the key and the picture change, the old picture
// stays cached, and going back finds it without rendering.
func TestAnnotationChangeMakesNewPreview(t *testing.T) {
	w := newWorld(t)
	const path = "/000000000009.jpg"
	before := w.source(t, path)
	_, _, ent1 := w.preview(t, path)
	first, _ := os.ReadFile(ent1.Path)

	anns := exportAnnotations(t, "000000000009")
	w.setAnnotations(t, path, anns[:1])
	after := w.source(t, path)
	if after.Key() == before.Key() {
		t.Fatal("the key did not change with the annotations")
	}
	if _, ok := w.prev.Cached(&after); ok {
		t.Fatal("the new annotations' preview is cached before any rendering")
	}
	_, _, ent2 := w.preview(t, path)
	second, _ := os.ReadFile(ent2.Path)
	if bytes.Equal(first, second) {
		t.Error("the preview did not change with the annotations")
	}
	if _, ok := w.prev.Cached(&before); !ok {
		t.Error("the earlier preview was dropped")
	}

	// The relabelled box has the same JSON length: only the bytes differ.
	relabelled := meta.Annotation{}
	for k, v := range anns[0] {
		relabelled[k] = v
	}
	relabelled["label"] = strings.Repeat("x", len(anns[0].Label()))
	w.setAnnotations(t, path, []meta.Annotation{relabelled})
	if again := w.source(t, path); again.Key() == after.Key() {
		t.Error("a relabelled box of the same length kept the key")
	}
	w.setAnnotations(t, path, anns)
	if back := w.source(t, path); back.Key() != before.Key() {
		t.Error("the original annotations gave another key")
	} else if _, ok := w.prev.Cached(&back); !ok {
		t.Error("the original annotations' preview is not cached any more")
	}
}

// TestSkipsAreLoggedOnce: a video has no preview, an undrawable
// annotation type is skipped; each is logged once however often it is met.
func TestSkipsAreLoggedOnce(t *testing.T) {
	w := newWorld(t)
	var logs bytes.Buffer
	w.prev.log = slog.New(slog.NewTextHandler(&logs, nil))

	video := "/2021_04_23_10_39_21_Cache_Trim_Cropped.webm"
	for range 3 {
		d, err := w.cat.Stat(w.ds, video)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := w.prev.SourceFor(w.ds, &d); ok || err != nil {
			t.Fatalf("video: has a preview %v, %v", ok, err)
		}
	}
	cube := meta.Annotation{"type": "cube", "label": "c", "coordinates": map[string]any{}}
	for _, p := range []string{"/000000000030.jpg", "/000000000034.jpg"} {
		w.setAnnotations(t, p, []meta.Annotation{cube, cube})
		w.preview(t, p)
	}
	out := logs.String()
	if n := strings.Count(out, "video/webm"); n != 1 {
		t.Errorf("the video type was logged %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "type=cube"); n != 1 {
		t.Errorf("the cube skip was logged %d times, want once:\n%s", n, out)
	}
}

// TestBadImageFailsOnce: an item whose bytes are not a picture fails, and
// the failure is remembered rather than tried at every lookup.
func TestBadImageFailsOnce(t *testing.T) {
	w := newWorld(t)
	w.putItem(t, "/broken.png", []byte("not a png"), map[string]any{"mimetype": "image/png"}, nil)
	src := w.source(t, "/broken.png")
	_, err := w.prev.Preview(context.Background(), w.ds, &src)
	var bad *badImageError
	if err == nil || !strings.Contains(err.Error(), "broken.png") || !errors.As(err, &bad) {
		t.Fatalf("broken image: %v, want a bad-image error naming it", err)
	}
	if _, err2 := w.prev.Preview(context.Background(), w.ds, &src); err2 == nil {
		t.Error("the second attempt succeeded")
	}
	if files, _ := w.prev.Cache().Usage(); files != 0 {
		t.Errorf("%d files cached for a broken image", files)
	}
}
