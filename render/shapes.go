package render

import (
	"errors"
	"image"
	"image/color"
	"math"
	"slices"
)

// shape is one annotation made ready to draw, in canvas pixels.
type shape struct {
	label  string
	color  color.RGBA
	rings  [][]point    // closed outlines
	fill   bool         // fill the rings translucently
	paths  [][]point    // open paths
	dots   []point      // filled discs
	mask   *image.Alpha // binary mask (0 or 255) over its part of the canvas
	anchor rect         // the area the label is written beside
}

// errCoordinates reports coordinates that do not have the shape's form.
var errCoordinates = errors.New("unreadable coordinates")

// ellipseSteps is how many straight pieces approximate an ellipse.
const ellipseSteps = 96

// drawable lists the types Render draws; class is drawn as a caption.
var drawable = map[string]bool{
	"box": true, "segment": true, "polyline": true, "point": true,
	"ellipse": true, "binary": true, "class": true,
}

// readShape turns an annotation of a drawable type other than class into a
// shape, scaling its coordinates by s for a canvas of size w x h.
func readShape(typ string, coords any, s float64, w, h int) (shape, error) {
	var sh shape
	var ok bool
	switch typ {
	case "box":
		sh.rings, ok = readBox(coords, s)
	case "segment":
		sh.rings, ok = readRings(coords, s)
		sh.fill = true
	case "polyline":
		sh.paths, ok = readRings(coords, s)
	case "point":
		sh.dots, ok = readDot(coords, s)
	case "ellipse":
		sh.rings, ok = readEllipse(coords, s)
	case "binary":
		return readBinary(coords, w, h)
	}
	if !ok {
		return shape{}, errCoordinates
	}
	sh.anchor = boundsOf(slices.Concat(sh.rings, sh.paths, [][]point{sh.dots})...)
	return sh, nil
}

// readBox reads [{x,y}, {x,y}] or, for a rotated box, [{x,y}, {x,y}, angle]
// and returns the box's outline.
func readBox(coords any, s float64) ([][]point, bool) {
	list, ok := coords.([]any)
	if !ok {
		return nil, false
	}
	var corners []point
	angle := 0.0
	for _, e := range list {
		if p, ok := readPoint(e, s); ok {
			corners = append(corners, p)
			continue
		}
		a, ok := number(e)
		if !ok {
			return nil, false
		}
		angle = a
	}
	if len(corners) < 2 {
		return nil, false
	}
	b := boundsOf(corners)
	ring := []point{b.Min, {b.Max.X, b.Min.Y}, b.Max, {b.Min.X, b.Max.Y}}
	if angle != 0 {
		c := point{(b.Min.X + b.Max.X) / 2, (b.Min.Y + b.Max.Y) / 2}
		for i := range ring {
			ring[i] = rotate(ring[i], c, angle)
		}
	}
	return [][]point{ring}, true
}

// readDot reads a point's {x,y}, or a list holding one.
func readDot(coords any, s float64) ([]point, bool) {
	if list, ok := coords.([]any); ok && len(list) == 1 {
		coords = list[0]
	}
	p, ok := readPoint(coords, s)
	return []point{p}, ok
}

// readEllipse reads {angle, center, rx, ry} into a closed outline.
func readEllipse(coords any, s float64) ([][]point, bool) {
	m, ok := coords.(map[string]any)
	if !ok {
		return nil, false
	}
	c, okc := readPoint(m["center"], s)
	rx, okx := number(m["rx"])
	ry, oky := number(m["ry"])
	if !okc || !okx || !oky || rx < 0 || ry < 0 {
		return nil, false
	}
	angle := 0.0
	if v, present := m["angle"]; present && v != nil {
		if angle, ok = number(v); !ok {
			return nil, false
		}
	}
	ring := make([]point, ellipseSteps)
	for i := range ring {
		sin, cos := math.Sincos(2 * math.Pi * float64(i) / ellipseSteps)
		p := point{c.X + rx*s*cos, c.Y + ry*s*sin}
		ring[i] = rotate(p, c, angle)
	}
	return [][]point{ring}, true
}

// readBinary reads a mask data URL and fits it to the canvas.
func readBinary(coords any, w, h int) (shape, error) {
	url, ok := coords.(string)
	if !ok {
		return shape{}, errCoordinates
	}
	src, err := decodeDataURL(url)
	if err != nil {
		return shape{}, err
	}
	mask, area := fitMask(src, w, h)
	if mask == nil {
		return shape{anchor: boundsOf()}, nil // an empty mask: nothing to draw
	}
	anchor := rect{
		point{float64(area.Min.X), float64(area.Min.Y)},
		point{float64(area.Max.X), float64(area.Max.Y)},
	}
	return shape{mask: mask, anchor: anchor}, nil
}
