package render

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/draw"
	"image/gif"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// TestFixtureBoxEdges draws each box of fixture items alone and checks that
// its left, right and bottom edges carry the label's colour while pixels
// well inside and outside keep the original picture.
func TestFixtureBoxEdges(t *testing.T) {
	for _, name := range []string{"sub/000000000049", "000000000009"} {
		src, anns := fixtureItem(t, name, ".jpg")
		orig := decodeImage(t, src)
		boxes := 0
		for i, ann := range anns {
			if ann["type"] != "box" {
				continue
			}
			boxes++
			c := ann["coordinates"].([]any)
			tl, br := c[0].(map[string]any), c[1].(map[string]any)
			x0, y0 := num(t, tl["x"]), num(t, tl["y"])
			x1, y1 := num(t, br["x"]), num(t, br["y"])
			label := ann["label"].(string)
			want := LabelColor(label)
			img, res := drawn(t, src, 1, anns[i:i+1], Options{})
			// With no room above the box, its label sits inside at the top.
			clear := labelClearance(t, y0, res)

			for f := 0.2; f <= 0.8; f += 0.1 {
				ym := int(y0 + f*(y1-y0))
				xm := int(x0 + f*(x1-x0))
				for _, p := range []image.Point{{int(x0), ym}, {int(x1), ym}, {xm, int(y1)}} {
					if got := rgb(img, p.X, p.Y); p.Y >= clear && !near(got, want, 8) {
						t.Errorf("%s %s: edge pixel %v is %v, want %v", name, label, p, got, want)
					}
				}
			}
			if in := image.Pt(int((x0+x1)/2), int((y0+y1)/2)); x1-x0 > 12 && in.Y-6 > clear {
				if got, o := rgb(img, in.X, in.Y), rgb(orig, in.X, in.Y); got != o {
					t.Errorf("%s %s: inside pixel %v changed from %v to %v", name, label, in, o, got)
				}
			}
			if x0 > 8 {
				out := image.Pt(int(x0)-6, int((y0+y1)/2))
				if got, o := rgb(img, out.X, out.Y), rgb(orig, out.X, out.Y); got != o {
					t.Errorf("%s %s: outside pixel %v changed from %v to %v", name, label, out, o, got)
				}
			}
		}
		if boxes == 0 {
			t.Fatalf("%s: fixture has no box annotation", name)
		}
	}
}

// labelClearance returns the first row below a label written inside a box
// whose top is at y0, or y0 when the label fits above the box.
func labelClearance(t *testing.T, y0 float64, res Result) int {
	t.Helper()
	lab, err := newLabeler(labelSize(res.Width, res.Height))
	if err != nil {
		t.Fatal(err)
	}
	_, h := lab.size("x")
	margin := strokeWidth(res.Width, res.Height) + 1
	if y0-margin >= float64(h) {
		return int(y0)
	}
	return int(y0+margin) + h
}

// TestFixtureBinaryMask checks that the mask's interior moves toward the
// label's colour and the rest of the picture (below the label) is kept.
func TestFixtureBinaryMask(t *testing.T) {
	src, anns := fixtureItem(t, "cat", ".jpg")
	var ann map[string]any
	for _, a := range anns {
		if a["type"] == "binary" {
			ann = a
		}
	}
	if ann == nil {
		t.Fatal("cat fixture has no binary annotation")
	}
	mask := decodeMaskURL(t, ann["coordinates"].(string))
	set := func(x, y int) bool {
		_, _, _, a := mask.At(x, y).RGBA()
		return a != 0
	}

	orig := decodeImage(t, src)
	img, res := drawn(t, src, 1, []map[string]any{ann}, Options{})
	if len(res.Skipped) != 0 {
		t.Fatalf("skipped %v (%v)", res.Skipped, res.Problems)
	}
	want := LabelColor(ann["label"].(string))
	b := mask.Bounds()
	var inside, toward, outside, kept, top int
	top = b.Max.Y
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if set(x, y) {
				top = min(top, y)
			}
		}
	}
	for y := b.Min.Y + 1; y < b.Max.Y-1; y++ {
		for x := b.Min.X + 1; x < b.Max.X-1; x++ {
			o, got := rgb(orig, x, y), rgb(img, x, y)
			switch {
			case set(x, y) && set(x-1, y) && set(x+1, y) && set(x, y-1) && set(x, y+1):
				inside++
				if dist(got, want) < dist(o, want) {
					toward++
				}
			case !set(x, y) && y > top+40:
				outside++
				if got == o {
					kept++
				}
			}
		}
	}
	if inside < 100 || toward < inside*95/100 {
		t.Errorf("%d of %d mask pixels moved toward %v", toward, inside, want)
	}
	if kept != outside {
		t.Errorf("%d of %d pixels outside the mask changed", outside-kept, outside)
	}
}

// TestNoAnnotationsKeepsPixels renders a PNG (with some transparency) with
// no annotations and expects the very same pixels back.
func TestNoAnnotationsKeepsPixels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := image.NewNRGBA(image.Rect(0, 0, 37, 23))
	for i := range src.Pix {
		src.Pix[i] = uint8(rng.IntN(256))
	}
	data := pngOf(t, src)
	img, res := renderPNG(t, data, 0, nil, Options{})
	if res.Format != FormatPNG || res.Width != 37 || res.Height != 23 {
		t.Fatalf("result %+v", res)
	}
	orig := decodeImage(t, data)
	for y := range 23 {
		for x := range 37 {
			if rgb(img, x, y) != rgb(orig, x, y) {
				t.Fatalf("pixel (%d,%d) is %v, want %v", x, y, rgb(img, x, y), rgb(orig, x, y))
			}
		}
	}
}

// TestFormatChoice checks that a JPEG source gives JPEG and others PNG.
func TestFormatChoice(t *testing.T) {
	src, anns := fixtureItem(t, "sub/000000000049", ".jpg")
	var out bytes.Buffer
	res, err := Render(&out, bytes.NewReader(src), 1, anns, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != FormatJPEG || !bytes.HasPrefix(out.Bytes(), []byte{0xFF, 0xD8}) {
		t.Errorf("jpeg source gave %q", res.Format)
	}
	// The fixture item is 381x500 (metadata.system width and height).
	if res.Width != 381 || res.Height != 500 {
		t.Errorf("size %dx%d, want 381x500", res.Width, res.Height)
	}
	out.Reset()
	res, err = Render(&out, bytes.NewReader(blank(t, 8, 8)), 1, anns, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != FormatPNG || !bytes.HasPrefix(out.Bytes(), []byte("\x89PNG")) {
		t.Errorf("png source gave %q", res.Format)
	}
	if _, err := Render(&out, bytes.NewReader(src), 1, nil, Options{Format: "gif"}); err == nil {
		t.Error("unknown output format accepted")
	}
	if _, err := Render(&out, strings.NewReader("not an image"), 1, nil, Options{}); err == nil {
		t.Error("garbage accepted as an image")
	}
}

func TestFormatFor(t *testing.T) {
	for mt, want := range map[string]string{
		"image/jpeg": FormatJPEG, "IMAGE/JPEG": FormatJPEG, "image/jpg": FormatJPEG,
		"image/png": FormatPNG, "image/webp": FormatPNG, "image/tiff": FormatPNG,
		"image/bmp": FormatPNG, "image/gif": FormatPNG, "": FormatPNG,
	} {
		if got := FormatFor(mt); got != want {
			t.Errorf("FormatFor(%q) = %q, want %q", mt, got, want)
		}
	}
}

// TestDeterministic renders the same input twice and expects equal bytes.
func TestDeterministic(t *testing.T) {
	src, anns := fixtureItem(t, "cat", ".jpg")
	var a, b bytes.Buffer
	if _, err := Render(&a, bytes.NewReader(src), 6, anns, Options{MaxSide: 300}); err != nil {
		t.Fatal(err)
	}
	if _, err := Render(&b, bytes.NewReader(src), 6, anns, Options{MaxSide: 300}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two renderings of the same input differ")
	}
}

// TestConcurrent renders in parallel goroutines (run with -race); every
// result must equal a lone rendering.
func TestConcurrent(t *testing.T) {
	src, anns := fixtureItem(t, "cat", ".jpg")
	var want bytes.Buffer
	if _, err := Render(&want, bytes.NewReader(src), 1, anns, Options{}); err != nil {
		t.Fatal(err)
	}
	outs := make([]bytes.Buffer, 4)
	errs := make([]error, len(outs))
	var wg sync.WaitGroup
	for i := range outs {
		wg.Go(func() {
			_, errs[i] = Render(&outs[i], bytes.NewReader(src), 1, anns, Options{})
		})
	}
	wg.Wait()
	for i := range outs {
		if errs[i] != nil || !bytes.Equal(outs[i].Bytes(), want.Bytes()) {
			t.Errorf("goroutine %d: err %v, same bytes %v", i, errs[i],
				bytes.Equal(outs[i].Bytes(), want.Bytes()))
		}
	}
}

// TestMaxSide shrinks the picture and expects the shapes to shrink with it.
func TestMaxSide(t *testing.T) {
	src, anns := fixtureItem(t, "sub/000000000049", ".jpg")
	var plant map[string]any
	for _, a := range anns {
		if a["label"] == "pottedplant" {
			plant = a
		}
	}
	img, res := drawn(t, src, 1, []map[string]any{plant}, Options{MaxSide: 250})
	// 381x500 scaled by 250/500.
	if res.Width != 191 || res.Height != 250 {
		t.Fatalf("size %dx%d, want 191x250", res.Width, res.Height)
	}
	c := plant["coordinates"].([]any)
	tl, br := c[0].(map[string]any), c[1].(map[string]any)
	s := 0.5
	y := int(num(t, br["y"]) * s)
	x := int((num(t, tl["x"]) + num(t, br["x"])) / 2 * s)
	if got, want := rgb(img, x, y), LabelColor("pottedplant"); !near(got, want, 8) {
		t.Errorf("bottom edge at (%d,%d) is %v, want %v", x, y, got, want)
	}
}

func TestLabelColor(t *testing.T) {
	if LabelColor("horse") != LabelColor("horse") {
		t.Error("colour of a label changed between calls")
	}
	for i, a := range palette {
		for _, b := range palette[i+1:] {
			if dist(a, b) < 100 {
				t.Errorf("palette colours %v and %v are too close", a, b)
			}
		}
	}
	seen := map[any]bool{}
	for _, l := range []string{"person", "horse", "pottedplant", "cat", "dog", "car", "zebra"} {
		seen[LabelColor(l)] = true
	}
	if len(seen) < 4 {
		t.Errorf("7 common labels share only %d colours", len(seen))
	}
}

func TestStrokeWidthGrows(t *testing.T) {
	if strokeWidth(400, 300) != 2 || strokeWidth(1000, 800) <= 2 || strokeWidth(1e5, 1e5) > 6 {
		t.Error("stroke width out of its 2..6 pixel range")
	}
	if math.IsNaN(labelSize(0, 0)) || labelSize(10, 10) < 11 {
		t.Error("label size below readable")
	}
}

// decodeMaskURL decodes a fixture's PNG data URL.
func decodeMaskURL(t *testing.T, url string) image.Image {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(url[strings.Index(url, ",")+1:])
	if err != nil {
		t.Fatal(err)
	}
	mask, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return mask
}

// TestTooLarge patches a PNG header to claim 20000x20000 pixels; Render
// must refuse it from the header alone.
func TestTooLarge(t *testing.T) {
	data := blank(t, 4, 4)
	ihdr := data[8+8 : 8+8+13] // after the signature, chunk length and type
	binary.BigEndian.PutUint32(ihdr[0:], 20000)
	binary.BigEndian.PutUint32(ihdr[4:], 20000)
	binary.BigEndian.PutUint32(data[8+8+13:], crc32.ChecksumIEEE(data[8+4:8+8+13]))
	_, err := Render(io.Discard, bytes.NewReader(data), 1, nil, Options{})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("got %v, want ErrTooLarge", err)
	}
}

// TestSourceFormats renders GIF, BMP, TIFF, PNG and WebP sources; all give
// PNG with the shape drawn.
func TestSourceFormats(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 30, 30))
	draw.Draw(src, src.Bounds(), image.White, image.Point{}, draw.Src)
	encoders := map[string]func(io.Writer, image.Image) error{
		"gif":  func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) },
		"bmp":  bmp.Encode,
		"tiff": func(w io.Writer, m image.Image) error { return tiff.Encode(w, m, nil) },
		"png":  png.Encode,
	}
	ann := box(pt(5, 5), pt(25, 25))
	for name, enc := range encoders {
		var data bytes.Buffer
		if err := enc(&data, src); err != nil {
			t.Fatal(err)
		}
		img, res := drawn(t, data.Bytes(), 1, []map[string]any{ann}, Options{})
		if res.Format != FormatPNG {
			t.Errorf("%s: format %q", name, res.Format)
		}
		if c := rgb(img, 5, 15); !near(c, LabelColor(""), 8) {
			t.Errorf("%s: box edge is %v", name, c)
		}
	}

	// A 1x1 lossless WebP (VP8L), transparent.
	webp := "RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00" +
		"\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
	var out bytes.Buffer
	res, err := Render(&out, strings.NewReader(webp), 1, nil, Options{})
	if err != nil || res.Format != FormatPNG || res.Width != 1 {
		t.Errorf("webp: %+v, %v", res, err)
	}
}
