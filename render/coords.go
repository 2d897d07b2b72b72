package render

import (
	"encoding/json"
	"math"
)

// point is a position in canvas pixels (after orientation and scaling).
type point struct{ X, Y float64 }

// rect is a float rectangle; Min is inclusive, Max exclusive.
type rect struct{ Min, Max point }

// grow returns r widened by d on every side.
func (r rect) grow(d float64) rect {
	return rect{point{r.Min.X - d, r.Min.Y - d}, point{r.Max.X + d, r.Max.Y + d}}
}

// number reads a JSON number decoded either as json.Number or float64 (or
// an int, for annotations built in Go). It rejects NaN and infinities.
func number(v any) (float64, bool) {
	var f float64
	switch n := v.(type) {
	case json.Number:
		var err error
		if f, err = n.Float64(); err != nil {
			return 0, false
		}
	case float64:
		f = n
	case float32:
		f = float64(n)
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// readPoint reads an {x, y, ...} object, scaling it by s.
func readPoint(v any, s float64) (point, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return point{}, false
	}
	x, okx := number(m["x"])
	y, oky := number(m["y"])
	if !okx || !oky {
		return point{}, false
	}
	return point{x * s, y * s}, true
}

// readPath reads a list of {x, y} objects. It fails if any element is not
// a point or the list is empty.
func readPath(v any, s float64) ([]point, bool) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, false
	}
	path := make([]point, 0, len(list))
	for _, e := range list {
		p, ok := readPoint(e, s)
		if !ok {
			return nil, false
		}
		path = append(path, p)
	}
	return path, true
}

// readRings reads [[{x,y},...], ...], or the flat form [{x,y},...] as a
// single ring.
func readRings(v any, s float64) ([][]point, bool) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, false
	}
	if _, flat := list[0].(map[string]any); flat {
		path, ok := readPath(list, s)
		return [][]point{path}, ok
	}
	rings := make([][]point, 0, len(list))
	for _, e := range list {
		path, ok := readPath(e, s)
		if !ok {
			return nil, false
		}
		rings = append(rings, path)
	}
	return rings, true
}

// boundsOf returns the bounding rectangle of the points of all paths.
func boundsOf(paths ...[]point) rect {
	r := rect{point{math.Inf(1), math.Inf(1)}, point{math.Inf(-1), math.Inf(-1)}}
	for _, path := range paths {
		for _, p := range path {
			r.Min.X = math.Min(r.Min.X, p.X)
			r.Min.Y = math.Min(r.Min.Y, p.Y)
			r.Max.X = math.Max(r.Max.X, p.X)
			r.Max.Y = math.Max(r.Max.Y, p.Y)
		}
	}
	return r
}

// rotate turns p about c by deg degrees, clockwise on screen (y points down).
func rotate(p, c point, deg float64) point {
	sin, cos := math.Sincos(deg * math.Pi / 180)
	dx, dy := p.X-c.X, p.Y-c.Y
	return point{c.X + dx*cos - dy*sin, c.Y + dx*sin + dy*cos}
}
