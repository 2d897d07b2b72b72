package render

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/dlfs/dlfs/meta/sysmeta"
)

// TestUpright turns a 3x2 picture of distinct pixels by each orientation
// and compares with the layouts the EXIF specification describes.
func TestUpright(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i, v := range "ABCDEF" { // A B C on the first row, D E F below
		src.Pix[i*4] = uint8(v)
	}
	want := map[int][]string{
		1: {"ABC", "DEF"}, 2: {"CBA", "FED"}, 3: {"FED", "CBA"}, 4: {"DEF", "ABC"},
		5: {"AD", "BE", "CF"}, 6: {"DA", "EB", "FC"}, 7: {"FC", "EB", "DA"},
		8: {"CF", "BE", "AD"}, 0: {"ABC", "DEF"}, 9: {"ABC", "DEF"},
	}
	for o, rows := range want {
		got := upright(src, o)
		b := got.Bounds()
		var have []string
		for y := range b.Dy() {
			var row []byte
			for x := range b.Dx() {
				row = append(row, got.Pix[got.PixOffset(x, y)])
			}
			have = append(have, string(row))
		}
		if strings.Join(have, "/") != strings.Join(rows, "/") {
			t.Errorf("orientation %d: %v, want %v", o, have, rows)
		}
	}
}

// jpegWithOrientation encodes img as JPEG and inserts, after the SOI
// marker, an APP1 Exif segment holding a little-endian TIFF IFD with one
// Orientation entry.
func jpegWithOrientation(t *testing.T, img image.Image, o uint16) []byte {
	t.Helper()
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	tiff := []byte("II*\x00\x08\x00\x00\x00") // header, IFD at offset 8
	tiff = binary.LittleEndian.AppendUint16(tiff, 1)
	tiff = binary.LittleEndian.AppendUint16(tiff, 0x0112) // Orientation
	tiff = binary.LittleEndian.AppendUint16(tiff, 3)      // SHORT
	tiff = binary.LittleEndian.AppendUint32(tiff, 1)      // one value
	tiff = binary.LittleEndian.AppendUint16(tiff, o)
	tiff = append(tiff, 0, 0, 0, 0, 0, 0) // padding, no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1}
	app1 = binary.BigEndian.AppendUint16(app1, uint16(len(payload)+2))
	app1 = append(app1, payload...)
	data := enc.Bytes()
	return append(append([]byte{0xFF, 0xD8}, app1...), data[2:]...)
}

// TestRotatedEXIF stores a 120x80 picture with a dark square near its
// stored top-left corner and EXIF orientation 6 (turn 90° clockwise). Shown
// upright it is 80x120 with the square near the top-right corner, where
// the annotation (in displayed coordinates) puts a box around it.
func TestRotatedEXIF(t *testing.T) {
	stored := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for y := range 80 {
		for x := range 120 {
			c := color.RGBA{230, 230, 230, 255}
			if x >= 10 && x < 30 && y >= 10 && y < 30 {
				c = color.RGBA{10, 10, 10, 255}
			}
			stored.Set(x, y, c)
		}
	}
	data := jpegWithOrientation(t, stored, 6)
	sys, err := sysmeta.Probe(bytes.NewReader(data), int64(len(data)), "r.jpg")
	if err != nil {
		t.Fatal(err)
	}
	o, _ := sys["exif"].(map[string]any)["Orientation"].(int)
	if o != 6 {
		t.Fatalf("probe read orientation %v, want 6", sys["exif"])
	}

	// Stored (x, y) shows at (79-y, x): the square covers x 50..69, y 10..29.
	ann := map[string]any{"type": "box", "label": "",
		"coordinates": []any{pt(45, 5), pt(74, 34)}}
	img, res := renderPNG(t, data, o, []map[string]any{ann}, Options{})
	if res.Width != 80 || res.Height != 120 {
		t.Fatalf("upright size %dx%d, want 80x120", res.Width, res.Height)
	}
	if c := rgb(img, 60, 20); c.R > 60 {
		t.Errorf("square not at its displayed place: (60,20) is %v", c)
	}
	if c := rgb(img, 20, 20); c.R < 200 {
		t.Errorf("(20,20) should be background, is %v", c)
	}
	want := LabelColor("")
	for _, p := range []image.Point{{45, 20}, {74, 20}, {60, 34}, {60, 5}} {
		if c := rgb(img, p.X, p.Y); !near(c, want, 8) {
			t.Errorf("box edge %v is %v, want %v", p, c, want)
		}
	}
}

// TestShapes draws each drawable geometry alone on white, without labels,
// and probes pixels on, inside and outside it.
func TestShapes(t *testing.T) {
	white := color.RGBA{255, 255, 255, 255}
	col := LabelColor("")
	tests := []struct {
		name      string
		ann       map[string]any
		on, blank []image.Point
		tinted    []image.Point // translucent fill
	}{
		{"box", box(pt(40, 50), pt(160, 150)),
			[]image.Point{{40, 100}, {160, 100}, {100, 50}, {100, 150}},
			[]image.Point{{100, 100}, {30, 100}}, nil},
		{"rotated box", box(pt(60, 90), pt(140, 110), 90.0),
			[]image.Point{{90, 100}, {110, 100}, {100, 60}, {100, 140}},
			[]image.Point{{65, 100}, {100, 100}, {130, 100}}, nil},
		{"segment", seg([]any{pt(50, 50), pt(150, 50), pt(150, 150), pt(50, 150)}),
			[]image.Point{{50, 100}, {100, 150}}, []image.Point{{30, 30}},
			[]image.Point{{100, 100}, {70, 120}}},
		{"segment with hole", seg(
			[]any{pt(50, 50), pt(150, 50), pt(150, 150), pt(50, 150)},
			[]any{pt(80, 80), pt(120, 80), pt(120, 120), pt(80, 120)}),
			[]image.Point{{80, 100}, {50, 100}}, []image.Point{{100, 100}},
			[]image.Point{{65, 65}}},
		{"polyline", typed("polyline", []any{[]any{pt(10, 10), pt(190, 10), pt(190, 190)}}),
			[]image.Point{{100, 10}, {190, 100}}, []image.Point{{100, 100}, {10, 190}}, nil},
		{"flat polyline", typed("polyline", []any{pt(10, 30), pt(190, 30)}),
			[]image.Point{{100, 30}}, []image.Point{{100, 100}}, nil},
		{"point", typed("point", pt(30, 170)),
			[]image.Point{{30, 170}, {31, 171}}, []image.Point{{40, 170}}, nil},
		{"ellipse", typed("ellipse", map[string]any{"angle": 90.0,
			"center": pt(100.5, 100.5), "rx": 50.0, "ry": 20.0}),
			[]image.Point{{100, 50}, {100, 150}, {80, 100}, {120, 100}},
			[]image.Point{{150, 100}, {100, 100}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, res := drawn(t, blank(t, 200, 200), 1, []map[string]any{tt.ann}, Options{})
			if len(res.Skipped) != 0 {
				t.Fatalf("skipped: %v", res.Problems)
			}
			for _, p := range tt.on {
				if c := rgb(img, p.X, p.Y); !near(c, col, 8) {
					t.Errorf("%v is %v, want the label colour %v", p, c, col)
				}
			}
			for _, p := range tt.blank {
				if c := rgb(img, p.X, p.Y); c != white {
					t.Errorf("%v is %v, want white", p, c)
				}
			}
			for _, p := range tt.tinted {
				c := rgb(img, p.X, p.Y)
				if c == white || near(c, col, 8) || dist(c, col) >= dist(white, col) {
					t.Errorf("%v is %v, want a light tint of %v", p, c, col)
				}
			}
		})
	}
}

// TestLabelWritten expects a box of the label's colour with text in it
// just above a box's top-left corner.
func TestLabelWritten(t *testing.T) {
	ann := box(pt(40, 80), pt(160, 150))
	ann["label"] = "dog"
	img, _ := drawn(t, blank(t, 200, 200), 1, []map[string]any{ann}, Options{})
	bg, fg := LabelColor("dog"), textColorOn(LabelColor("dog"))
	var nbg, nfg int
	for y := 55; y < 80; y++ {
		for x := 40; x < 80; x++ {
			switch c := rgb(img, x, y); {
			case near(c, bg, 8):
				nbg++
			case near(c, fg, 40):
				nfg++
			}
		}
	}
	if nbg < 200 || nfg < 20 {
		t.Errorf("label area has %d background and %d text pixels", nbg, nfg)
	}
}

// TestClassCaption expects a dark bar with the class label at the top.
func TestClassCaption(t *testing.T) {
	anns := []map[string]any{
		{"type": "class", "label": "outdoor"},
		{"type": "class", "label": "outdoor", "coordinates": []any{}},
	}
	img, res := drawn(t, blank(t, 200, 200), 1, anns, Options{})
	if len(res.Skipped) != 0 {
		t.Fatalf("skipped %v", res.Skipped)
	}
	chip := LabelColor("outdoor")
	if c := rgb(img, 4, 4); !near(c, chip, 8) {
		t.Errorf("caption chip is %v, want %v", c, chip)
	}
	if c := rgb(img, 195, 4); c.R > 150 {
		t.Errorf("caption bar not dark at the right: %v", c)
	}
	if c := rgb(img, 100, 100); c != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("picture changed below the caption: %v", c)
	}

	// A label at the very top goes below the bar, not under it.
	dog := box(pt(100, 0), pt(190, 120))
	dog["label"] = "dog"
	img, res = drawn(t, blank(t, 200, 200), 1, append(anns, dog), Options{})
	lab, err := newLabeler(labelSize(res.Width, res.Height))
	if err != nil {
		t.Fatal(err)
	}
	_, bar := lab.captionLayout(res.Width, []string{"outdoor"})
	if c := rgb(img, 104, bar+1); !near(c, LabelColor("dog"), 8) {
		t.Errorf("below the %d-pixel bar: %v, want the dog label's %v", bar, c, LabelColor("dog"))
	}
}

func box(coords ...any) map[string]any { return typed("box", coords) }

func seg(rings ...any) map[string]any { return typed("segment", rings) }

func typed(typ string, coords any) map[string]any {
	return map[string]any{"type": typ, "label": "", "coordinates": coords}
}

// TestSnapshotsIgnored draws a video annotation's first frame only.
func TestSnapshotsIgnored(t *testing.T) {
	ann := box(pt(20, 20), pt(60, 60))
	ann["metadata"] = map[string]any{"system": map[string]any{"snapshots_": []any{
		map[string]any{"frame": 5.0, "type": "box", "label": "",
			"data": []any{pt(120, 120), pt(180, 180)}},
	}}}
	img, res := drawn(t, blank(t, 200, 200), 1, []map[string]any{ann}, Options{})
	if len(res.Skipped) != 0 {
		t.Fatalf("skipped %v", res.Skipped)
	}
	if c := rgb(img, 20, 40); !near(c, LabelColor(""), 8) {
		t.Errorf("frame 0 box missing: %v", c)
	}
	if c := rgb(img, 120, 150); c != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("a later key frame was drawn: %v", c)
	}
}
