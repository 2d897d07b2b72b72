package sample

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
)

// Shape kinds, which are also the annotation labels.
const (
	kindRectangle = "rectangle"
	kindSquare    = "square"
	kindCircle    = "circle"
	kindTriangle  = "triangle"
)

// shape is one drawn figure. Coordinates are pixel edges: the figure lies
// within x0 <= x < x1, y0 <= y < y1.
type shape struct {
	kind           string
	color          color.RGBA
	x0, y0, x1, y1 int
	apex           int // triangle: x of the top vertex; the base is the bottom edge
}

// hex returns the shape's colour as #rrggbb.
func (s shape) hex() string {
	return fmt.Sprintf("#%02x%02x%02x", s.color.R, s.color.G, s.color.B)
}

// palette holds saturated colours, far from each other and from the muted
// backgrounds, so that a pixel tells which shape it belongs to.
var palette = []color.RGBA{
	{230, 25, 75, 255},   // red
	{60, 180, 75, 255},   // green
	{255, 225, 25, 255},  // yellow
	{0, 90, 230, 255},    // blue
	{245, 130, 48, 255},  // orange
	{145, 30, 180, 255},  // purple
	{70, 240, 240, 255},  // cyan
	{240, 50, 230, 255},  // magenta
	{0, 0, 128, 255},     // navy
	{255, 250, 200, 255}, // cream
}

// paintBackground fills m with a diagonal gradient between two muted
// colours, with per-pixel noise of up to ±noise.
func paintBackground(m *image.RGBA, rng *rand.Rand, noise int) {
	var from, to [3]int
	for c := range 3 {
		from[c] = 70 + rng.IntN(60)
		to[c] = 120 + rng.IntN(60)
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	state := rng.Uint32() | 1
	for y := range h {
		row := m.Pix[y*m.Stride:]
		for x := range w {
			t := (x + y) * 256 / (w + h)
			for c := range 3 {
				v := from[c] + (to[c]-from[c])*t/256
				if noise > 0 {
					state ^= state << 13 // xorshift: cheap, and seeded from rng
					state ^= state >> 17
					state ^= state << 5
					v += int(state%uint32(2*noise+1)) - noise
				}
				row[4*x+c] = uint8(v)
			}
			row[4*x+3] = 255
		}
	}
}

// placeShapes picks up to n shapes inside a w×h image with bounding boxes
// that keep a margin from each other, so no shape covers another. It may
// return fewer when the image is crowded.
func placeShapes(rng *rand.Rand, w, h, n int) []shape {
	const margin = 6
	colors := rng.Perm(len(palette))
	var placed []shape
	for len(placed) < n {
		s, ok := tryPlace(rng, w, h, placed, margin)
		if !ok {
			break
		}
		s.color = palette[colors[len(placed)]]
		placed = append(placed, s)
	}
	return placed
}

// tryPlace draws random shapes until one fits among placed, giving up after
// a few attempts.
func tryPlace(rng *rand.Rand, w, h int, placed []shape, margin int) (shape, bool) {
	const attempts = 40
	maxSide := min(w, h) / 2
	for range attempts {
		s := shape{kind: []string{kindRectangle, kindSquare, kindCircle, kindTriangle}[rng.IntN(4)]}
		sw := 32 + rng.IntN(maxSide-32)
		sh := 32 + rng.IntN(maxSide-32)
		if s.kind == kindSquare || s.kind == kindCircle {
			sh = sw
		}
		if s.kind == kindRectangle && sw == sh {
			sw++
		}
		s.x0 = margin + rng.IntN(w-sw-2*margin)
		s.y0 = margin + rng.IntN(h-sh-2*margin)
		s.x1, s.y1 = s.x0+sw, s.y0+sh
		s.apex = s.x0 + sw/4 + rng.IntN(sw/2)
		if !overlaps(s, placed, margin) {
			return s, true
		}
	}
	return shape{}, false
}

// overlaps reports whether s comes within margin of any placed shape.
func overlaps(s shape, placed []shape, margin int) bool {
	for _, p := range placed {
		if s.x0 < p.x1+margin && p.x0 < s.x1+margin && s.y0 < p.y1+margin && p.y0 < s.y1+margin {
			return true
		}
	}
	return false
}

// draw paints s onto m, filling every pixel whose centre lies in the shape.
func (s shape) draw(m *image.RGBA) {
	for y := s.y0; y < s.y1; y++ {
		for x := s.x0; x < s.x1; x++ {
			if s.contains(float64(x)+0.5, float64(y)+0.5) {
				m.SetRGBA(x, y, s.color)
			}
		}
	}
}

// contains reports whether the point (px, py) lies in the shape.
func (s shape) contains(px, py float64) bool {
	switch s.kind {
	case kindCircle:
		cx, cy, r := s.center()
		return (px-cx)*(px-cx)+(py-cy)*(py-cy) <= r*r
	case kindTriangle:
		v := s.vertices()
		return sameSide(v[0], v[1], v[2], px, py) &&
			sameSide(v[1], v[2], v[0], px, py) &&
			sameSide(v[2], v[0], v[1], px, py)
	}
	return true // rectangles fill their bounding box
}

// center returns the centre and radius of a circle (the half width for
// other kinds).
func (s shape) center() (cx, cy, r float64) {
	return float64(s.x0+s.x1) / 2, float64(s.y0+s.y1) / 2, float64(s.x1-s.x0) / 2
}

// vertices returns a triangle's corners: apex on top, base along the bottom.
func (s shape) vertices() [3][2]float64 {
	return [3][2]float64{
		{float64(s.apex), float64(s.y0)},
		{float64(s.x1), float64(s.y1)},
		{float64(s.x0), float64(s.y1)},
	}
}

// sameSide reports whether (px, py) lies on the same side of the line a-b
// as c, or on the line.
func sameSide(a, b, c [2]float64, px, py float64) bool {
	cross := func(x, y float64) float64 {
		return (b[0]-a[0])*(y-a[1]) - (b[1]-a[1])*(x-a[0])
	}
	return cross(px, py)*cross(c[0], c[1]) >= 0
}
