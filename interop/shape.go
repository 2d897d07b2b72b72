package interop

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Dataloop annotation types the converters read or write.
const (
	typeBox     = "box"
	typeSegment = "segment"
	typeBinary  = "binary"
)

// point is one vertex in displayed-image pixels.
type point struct{ X, Y float64 }

// rect is an axis-aligned box given by its corners, X0 <= X1 and Y0 <= Y1.
type rect struct{ X0, Y0, X1, Y1 float64 }

// edgeSlack is how far, in pixels, a shape may reach past the image border
// before it counts as outside: converters round, and tools clamp differently.
const edgeSlack = 1.0

// outside tells whether r reaches past a width x height image by more than
// edgeSlack. An unknown size (0) accepts everything.
func (r rect) outside(width, height int) bool {
	if width <= 0 || height <= 0 {
		return false
	}
	return r.X0 < -edgeSlack || r.Y0 < -edgeSlack ||
		r.X1 > float64(width)+edgeSlack || r.Y1 > float64(height)+edgeSlack
}

// String formats the box for problem reasons.
func (r rect) String() string {
	return fmt.Sprintf("(%g,%g)-(%g,%g)", r.X0, r.Y0, r.X1, r.Y1)
}

// outsideReason is the Problem reason for a shape outside its image.
func outsideReason(what string, r rect, width, height int) string {
	return fmt.Sprintf("%s %s lies outside the %dx%d image", what, r, width, height)
}

// num turns a coordinate into the json.Number stored in an annotation,
// rounded to a millionth of a pixel so sums like x+w print short.
func num(v float64) json.Number { return json.Number(decimal(v, 6)) }

// decimal formats v rounded to places decimals, trailing zeros dropped and
// never as "-0".
func decimal(v float64, places int) string {
	p := math.Pow10(places)
	r := math.Round(v*p) / p
	if r == 0 {
		r = 0 // turns -0 into 0
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// round6 rounds to a millionth, for numbers written to foreign files.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// toFloat reads a JSON-ish number: json.Number, a float or an integer.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint64:
		return float64(n), true
	}
	return 0, false
}

// asList reads a JSON array as built by encoding/json or by Go code.
func asList(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case []map[string]any:
		out := make([]any, len(l))
		for i, m := range l {
			out[i] = m
		}
		return out, true
	}
	return nil, false
}

// toPoint reads {x, y} from a coordinate object.
func toPoint(v any) (point, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return point{}, false
	}
	x, okx := toFloat(m["x"])
	y, oky := toFloat(m["y"])
	return point{x, y}, okx && oky
}

// newAnnotation builds a Dataloop annotation of the given type.
func newAnnotation(typ, label string, coords any) map[string]any {
	return map[string]any{"type": typ, "label": label, "coordinates": coords}
}

// newBox builds a Dataloop box annotation from its corners.
func newBox(label string, r rect) map[string]any {
	return newAnnotation(typeBox, label, []any{
		map[string]any{"x": num(r.X0), "y": num(r.Y0), "z": json.Number("0")},
		map[string]any{"x": num(r.X1), "y": num(r.Y1), "z": json.Number("0")},
	})
}

// newSegment builds a Dataloop polygon ("segment") with one ring.
func newSegment(label string, ring []point) map[string]any {
	pts := make([]any, len(ring))
	for i, p := range ring {
		pts[i] = map[string]any{"x": num(p.X), "y": num(p.Y)}
	}
	return newAnnotation(typeSegment, label, []any{pts})
}

// annotationLabel returns the label of a Dataloop annotation, or "".
func annotationLabel(a map[string]any) string {
	s, _ := a["label"].(string)
	return s
}

// annotationType returns the type of a Dataloop annotation, or "".
func annotationType(a map[string]any) string {
	s, _ := a["type"].(string)
	return s
}

// boxOf reads the corners of a Dataloop box. A rotated box (a third,
// non-zero element: the angle) is refused, as none of the foreign formats
// can hold the angle.
func boxOf(a map[string]any) (rect, error) {
	coords, ok := asList(a["coordinates"])
	if !ok || len(coords) < 2 {
		return rect{}, fmt.Errorf("box coordinates are not two corners")
	}
	p, ok1 := toPoint(coords[0])
	q, ok2 := toPoint(coords[1])
	if !ok1 || !ok2 {
		return rect{}, fmt.Errorf("box corner without numeric x and y")
	}
	if len(coords) > 2 {
		if angle, ok := toFloat(coords[2]); ok && angle != 0 {
			return rect{}, fmt.Errorf("rotated box (angle %g) has no axis-aligned form", angle)
		}
	}
	return rect{math.Min(p.X, q.X), math.Min(p.Y, q.Y),
		math.Max(p.X, q.X), math.Max(p.Y, q.Y)}, nil
}

// ringsOf reads the rings of a Dataloop polygon: [[{x,y},...], ...], or the
// older flat [{x,y},...] as one ring. Rings under three points are refused.
func ringsOf(a map[string]any) ([][]point, error) {
	coords, ok := asList(a["coordinates"])
	if !ok || len(coords) == 0 {
		return nil, fmt.Errorf("segment has no coordinates")
	}
	if _, flat := coords[0].(map[string]any); flat {
		coords = []any{coords}
	}
	rings := make([][]point, 0, len(coords))
	for i, rv := range coords {
		pts, ok := asList(rv)
		if !ok || len(pts) < 3 {
			return nil, fmt.Errorf("segment ring %d has fewer than 3 points", i)
		}
		ring := make([]point, len(pts))
		for j, pv := range pts {
			if ring[j], ok = toPoint(pv); !ok {
				return nil, fmt.Errorf("segment ring %d point %d lacks numeric x and y", i, j)
			}
		}
		rings = append(rings, ring)
	}
	return rings, nil
}

// boundsOf returns the box around every point of the rings.
func boundsOf(rings [][]point) rect {
	r := rect{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, ring := range rings {
		for _, p := range ring {
			r.X0, r.Y0 = math.Min(r.X0, p.X), math.Min(r.Y0, p.Y)
			r.X1, r.Y1 = math.Max(r.X1, p.X), math.Max(r.Y1, p.Y)
		}
	}
	return r
}

// polygonArea returns the summed shoelace area of the rings.
func polygonArea(rings [][]point) float64 {
	var total float64
	for _, ring := range rings {
		var s float64
		for i, p := range ring {
			q := ring[(i+1)%len(ring)]
			s += p.X*q.Y - q.X*p.Y
		}
		total += math.Abs(s) / 2
	}
	return total
}
