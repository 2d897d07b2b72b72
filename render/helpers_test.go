package render

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/dlfs/dlfs/internal/fixtures"
)

func fixtureExport(t *testing.T) string { return fixtures.Path(t, "dataloop-export") }

// fixtureItem returns the image bytes and the annotations of an exported
// item, named by its path without extension ("sub/000000000049").
func fixtureItem(t *testing.T, name, ext string) ([]byte, []map[string]any) {
	t.Helper()
	root := fixtureExport(t)
	raw, err := os.ReadFile(filepath.Join(root, "json", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var item struct {
		Annotations []map[string]any `json:"annotations"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&item); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	img, err := os.ReadFile(filepath.Join(root, "items", name+ext))
	if err != nil {
		t.Fatal(err)
	}
	return img, item.Annotations
}

// renderPNG renders to PNG and decodes the result.
func renderPNG(t *testing.T, src []byte, orientation int, anns []map[string]any,
	opt Options) (image.Image, Result) {
	t.Helper()
	opt.Format = FormatPNG
	var out bytes.Buffer
	res, err := Render(&out, bytes.NewReader(src), orientation, anns, opt)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	img, err := png.Decode(&out)
	if err != nil {
		t.Fatalf("decode rendered png: %v", err)
	}
	if b := img.Bounds(); b.Dx() != res.Width || b.Dy() != res.Height {
		t.Fatalf("result says %dx%d, picture is %v", res.Width, res.Height, b)
	}
	return img, res
}

// decodeImage decodes an encoded picture.
func decodeImage(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// rgb returns the 8-bit colour of a pixel.
func rgb(img image.Image, x, y int) color.RGBA {
	c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	return color.RGBA{c.R, c.G, c.B, c.A}
}

// near reports whether two colours differ by at most tol in each channel.
func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
	return d(a.R, b.R) <= tol && d(a.G, b.G) <= tol && d(a.B, b.B) <= tol
}

// dist is the sum of channel differences between two colours.
func dist(a, b color.RGBA) int {
	d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
	return d(a.R, b.R) + d(a.G, b.G) + d(a.B, b.B)
}

// num reads a number from decoded fixture JSON.
func num(t *testing.T, v any) float64 {
	t.Helper()
	f, ok := number(v)
	if !ok {
		t.Fatalf("not a number: %v", v)
	}
	return f
}

// pngOf encodes a picture as PNG.
func pngOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// blank makes an opaque white w x h PNG.
func blank(t *testing.T, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	return pngOf(t, img)
}

// pt is a coordinate object as the decoded JSON holds it.
func pt(x, y float64) map[string]any { return map[string]any{"x": x, "y": y, "z": 0.0} }

// drawn renders without encoding, for tests that only look at pixels.
func drawn(t *testing.T, src []byte, orientation int, anns []map[string]any,
	opt Options) (image.Image, Result) {
	t.Helper()
	img, res, err := renderImage(bytes.NewReader(src), orientation, anns, opt)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return img, res
}
