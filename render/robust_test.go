package render

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSkipped lists undrawable types once each, in order, and reports
// unreadable drawable ones without failing the rendering.
func TestSkipped(t *testing.T) {
	anns := []map[string]any{
		{"type": "cube", "label": "a", "coordinates": map[string]any{"angle": 0.0}},
		{"type": "pose", "label": "b", "coordinates": map[string]any{"templateId": "x"}},
		{"type": "note", "label": "c"},
		{"type": "cube", "label": "d"},
		{"type": "text", "coordinates": "hello"},
		{"type": "subtitle", "coordinates": map[string]any{"text": "hi"}},
		{"label": "no type"},
		{"type": "box", "label": "ok", "coordinates": []any{pt(1, 1), pt(5, 5)}},
		{"type": "box", "label": "bad", "coordinates": []any{pt(1, 1)}},
	}
	_, res := drawn(t, blank(t, 20, 20), 1, anns, Options{})
	want := []string{"cube", "pose", "note", "text", "subtitle", "unknown", "box"}
	if !slices.Equal(res.Skipped, want) {
		t.Errorf("skipped %q, want %q", res.Skipped, want)
	}
	if len(res.Problems) != 1 {
		t.Errorf("problems %q, want one for the bad box", res.Problems)
	}
}

// TestMalformed feeds broken coordinates of every drawable type; each must
// be skipped and reported, never panic or fail the rendering.
func TestMalformed(t *testing.T) {
	notPNG := "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("hello"))
	bad := map[string][]any{
		"binary": {"data:image/png;base64,!!!", notPNG, "http://example.com/m.png",
			"data:image/png,plain", 42.0, nil, ""},
		"box": {nil, "x", []any{}, []any{pt(1, 1), "y"}, []any{pt(1, 1), pt(2, 2), "z"},
			[]any{map[string]any{"x": "1", "y": 2.0}, pt(3, 3)}},
		"segment":  {nil, []any{[]any{}}, []any{[]any{pt(1, 1), 3.0}}, map[string]any{}},
		"polyline": {[]any{3.0}, []any{[]any{nil}}},
		"point":    {nil, []any{}, map[string]any{"x": 1.0}, []any{pt(1, 1), pt(2, 2)}},
		"ellipse": {nil, map[string]any{"center": pt(1, 1), "rx": -1.0, "ry": 2.0},
			map[string]any{"center": pt(1, 1), "rx": 1.0, "ry": 2.0, "angle": "x"},
			map[string]any{"center": "c", "rx": 1.0, "ry": 2.0}},
	}
	for typ, list := range bad {
		for i, coords := range list {
			ann := map[string]any{"type": typ, "label": "l", "coordinates": coords}
			_, res := drawn(t, blank(t, 16, 16), 1, []map[string]any{ann}, Options{})
			if !slices.Equal(res.Skipped, []string{typ}) || len(res.Problems) != 1 {
				t.Errorf("%s #%d (%v): skipped %v, problems %v", typ, i, coords,
					res.Skipped, res.Problems)
			}
		}
	}
}

// TestExtremeCoordinates draws shapes far outside the picture and with
// huge or NaN numbers; nothing may panic or take long.
func TestExtremeCoordinates(t *testing.T) {
	huge := 1e300
	anns := []map[string]any{
		box(pt(-huge, -huge), pt(huge, huge)),
		box(pt(1, 1), pt(5, 5), huge),
		seg([]any{pt(-huge, 0), pt(huge, 5), pt(0, huge)}),
		typed("ellipse", map[string]any{"center": pt(8, 8), "rx": huge, "ry": 1.0, "angle": 3.0}),
		typed("point", pt(math.NaN(), 1)),
		typed("point", map[string]any{"x": json.Number("1e999"), "y": json.Number("1")}),
		typed("polyline", []any{pt(-5, -5), pt(-1, -1)}),
	}
	_, res := drawn(t, blank(t, 16, 16), 1, anns, Options{})
	if len(res.Problems) != 2 {
		t.Errorf("problems %q, want the NaN and the 1e999 point", res.Problems)
	}
}

// TestRandomAnnotations renders random annotation JSON of every type; it
// must never fail or panic, and must give the same bytes twice.
func TestRandomAnnotations(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	types := []string{"box", "segment", "polyline", "point", "ellipse", "binary",
		"class", "cube", "pose", "note", "", "text"}
	src := blank(t, 40, 30)
	for round := range 60 {
		var anns []map[string]any
		for range 1 + rng.IntN(6) {
			ann := map[string]any{
				"type":        types[rng.IntN(len(types))],
				"label":       fmt.Sprint("l", rng.IntN(5)),
				"coordinates": randomValue(rng, 4),
			}
			raw, err := json.Marshal(ann)
			if err != nil {
				t.Fatal(err)
			}
			var decoded map[string]any
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(&decoded); err != nil {
				t.Fatal(err)
			}
			anns = append(anns, decoded)
		}
		var a, b bytes.Buffer
		if _, err := Render(&a, bytes.NewReader(src), 1+round%8, anns, Options{}); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if _, err := Render(&b, bytes.NewReader(src), 1+round%8, anns, Options{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("round %d: output differs between runs", round)
		}
	}
}

// randomValue builds a JSON-able value biased toward coordinate shapes.
func randomValue(rng *rand.Rand, depth int) any {
	n := func() float64 { return float64(rng.IntN(120)-40) + rng.Float64() }
	switch k := rng.IntN(9); {
	case depth == 0 || k == 0:
		return n()
	case k == 1:
		return pt(n(), n())
	case k == 2:
		return map[string]any{"center": pt(n(), n()), "rx": n(), "ry": n(), "angle": n()}
	case k == 3:
		return "data:image/png;base64," + base64.StdEncoding.EncodeToString(
			[]byte(fmt.Sprint(rng.Int())))
	case k == 4:
		return nil
	default:
		list := make([]any, rng.IntN(5))
		for i := range list {
			list[i] = randomValue(rng, depth-1)
		}
		return list
	}
}

// FuzzRender renders fuzzed annotation JSON on a small picture; it must
// never fail or panic. `go test` runs the seeds only.
func FuzzRender(f *testing.F) {
	for _, seed := range []string{
		`[{"type":"box","label":"a","coordinates":[{"x":1,"y":1},{"x":9,"y":9},30]}]`,
		`[{"type":"segment","coordinates":[[{"x":1,"y":1},{"x":9,"y":2},{"x":4,"y":9}]]}]`,
		`[{"type":"ellipse","coordinates":{"angle":10,"center":{"x":5,"y":5},"rx":3,"ry":2}}]`,
		`[{"type":"binary","coordinates":"data:image/png;base64,iVBORw0KGgo="}]`,
		`[{"type":"point","coordinates":{"x":1e308,"y":-1e308}},{"type":"class","label":"c"}]`,
	} {
		f.Add(seed)
	}
	var src []byte
	f.Fuzz(func(t *testing.T, js string) {
		var anns []map[string]any
		dec := json.NewDecoder(bytes.NewReader([]byte(js)))
		dec.UseNumber()
		if dec.Decode(&anns) != nil {
			return
		}
		if src == nil {
			src = blank(t, 24, 16)
		}
		var out bytes.Buffer
		if _, err := Render(&out, bytes.NewReader(src), 1, anns, Options{}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestMaskShapes checks the mask rules on small masks: a transparent mask
// draws nothing (not even a label), a grey mask of another size is
// stretched, its black pixels left alone.
func TestMaskShapes(t *testing.T) {
	white := color.RGBA{255, 255, 255, 255}
	empty := image.NewNRGBA(image.Rect(0, 0, 20, 20))
	ann := typed("binary", dataURL(t, empty))
	ann["label"] = "nothing"
	img, res := drawn(t, blank(t, 20, 20), 1, []map[string]any{ann}, Options{})
	if len(res.Skipped) != 0 {
		t.Fatalf("skipped %v", res.Problems)
	}
	for y := range 20 {
		for x := range 20 {
			if c := rgb(img, x, y); c != white {
				t.Fatalf("empty mask changed (%d,%d) to %v", x, y, c)
			}
		}
	}

	grey := image.NewGray(image.Rect(0, 0, 10, 10)) // right half set
	for y := range 10 {
		for x := 5; x < 10; x++ {
			grey.Pix[y*grey.Stride+x] = 255
		}
	}
	img, _ = drawn(t, blank(t, 40, 40), 1, []map[string]any{typed("binary", dataURL(t, grey))},
		Options{})
	if c := rgb(img, 5, 30); c != white {
		t.Errorf("left half changed: %v", c)
	}
	if c := rgb(img, 30, 30); c == white || dist(c, LabelColor("")) >= dist(white, LabelColor("")) {
		t.Errorf("right half not tinted: %v", c)
	}
}

func dataURL(t *testing.T, img image.Image) string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngOf(t, img))
}
