package render

import (
	"image"
	"image/color"
	"math"
	"slices"
)

// canvas is the picture being drawn on. Blending uses integer arithmetic on
// the non-premultiplied pixels, so the same drawing gives the same bytes.
type canvas struct {
	img *image.NRGBA
	w   int // width in pixels
	h   int // height in pixels
}

func newCanvas(img *image.NRGBA) *canvas {
	b := img.Bounds()
	return &canvas{img: img, w: b.Dx(), h: b.Dy()}
}

// blend mixes c into the pixel at (x, y) with opacity a (0..255). The
// pixel's own alpha only grows, so a drawn shape shows on a transparent
// picture too.
func (cv *canvas) blend(x, y int, c color.RGBA, a uint8) {
	if a == 0 || x < 0 || y < 0 || x >= cv.w || y >= cv.h {
		return
	}
	i := y*cv.img.Stride + x*4
	p := cv.img.Pix[i : i+4 : i+4]
	k, rest := uint32(a), uint32(255-a)
	p[0] = uint8((uint32(p[0])*rest + uint32(c.R)*k + 127) / 255)
	p[1] = uint8((uint32(p[1])*rest + uint32(c.G)*k + 127) / 255)
	p[2] = uint8((uint32(p[2])*rest + uint32(c.B)*k + 127) / 255)
	p[3] = max(p[3], a)
}

// fillRect paints r (clipped to the canvas) with c at opacity a.
func (cv *canvas) fillRect(r image.Rectangle, c color.RGBA, a uint8) {
	r = r.Intersect(image.Rect(0, 0, cv.w, cv.h))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cv.blend(x, y, c, a)
		}
	}
}

// clip turns a float rectangle grown by pad into whole pixels inside the
// canvas.
func (cv *canvas) clip(r rect, pad float64) image.Rectangle {
	return pixelArea(r, pad, image.Rect(0, 0, cv.w, cv.h))
}

// pixelArea turns a float rectangle grown by pad into whole pixels inside
// within. Huge, inverted or NaN coordinates give an empty rectangle.
func pixelArea(r rect, pad float64, within image.Rectangle) image.Rectangle {
	x0 := math.Max(math.Floor(r.Min.X-pad), float64(within.Min.X))
	y0 := math.Max(math.Floor(r.Min.Y-pad), float64(within.Min.Y))
	x1 := math.Min(math.Ceil(r.Max.X+pad), float64(within.Max.X))
	y1 := math.Min(math.Ceil(r.Max.Y+pad), float64(within.Max.Y))
	if !(x0 < x1 && y0 < y1) {
		return image.Rectangle{}
	}
	return image.Rect(int(x0), int(y0), int(x1), int(y1))
}

// coverage collects the anti-aliased coverage of one stroked shape over
// its clipped bounds, so that overlapping segments at joins are painted
// once rather than darkened twice.
type coverage struct {
	area image.Rectangle
	a    []uint8
}

func newCoverage(area image.Rectangle) *coverage {
	return &coverage{area: area, a: make([]uint8, area.Dx()*area.Dy())}
}

// stroke adds the segment p-q drawn with width lw and round ends. Each row
// visits only the columns near the segment, so long diagonal lines cost
// their length, not their bounding box.
func (cov *coverage) stroke(p, q point, lw float64) {
	half := lw / 2
	reach := half + 1
	seg := rect{
		point{math.Min(p.X, q.X), math.Min(p.Y, q.Y)},
		point{math.Max(p.X, q.X), math.Max(p.Y, q.Y)},
	}
	area := pixelArea(seg, reach, cov.area)
	dx, dy := q.X-p.X, q.Y-p.Y
	ll := dx*dx + dy*dy
	for y := area.Min.Y; y < area.Max.Y; y++ {
		cy := float64(y) + 0.5
		cols := area
		if dy != 0 {
			t0 := math.Max(0, math.Min((cy-reach-p.Y)/dy, (cy+reach-p.Y)/dy))
			t1 := math.Min(1, math.Max((cy-reach-p.Y)/dy, (cy+reach-p.Y)/dy))
			if t0 > t1 {
				continue
			}
			x0, x1 := p.X+t0*dx, p.X+t1*dx
			band := rect{point{math.Min(x0, x1), cy}, point{math.Max(x0, x1), cy}}
			cols = pixelArea(band, reach, area)
		}
		for x := cols.Min.X; x < cols.Max.X; x++ {
			cx := float64(x) + 0.5
			t := 0.0
			if ll > 0 {
				t = math.Max(0, math.Min(1, ((cx-p.X)*dx+(cy-p.Y)*dy)/ll))
			}
			cov.add(x, y, half+0.5-math.Hypot(cx-p.X-t*dx, cy-p.Y-t*dy))
		}
	}
}

// disc adds a filled disc of radius rad around c.
func (cov *coverage) disc(c point, rad float64) {
	r := pixelArea(rect{c, c}, rad+1, cov.area)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			d := math.Hypot(float64(x)+0.5-c.X, float64(y)+0.5-c.Y)
			cov.add(x, y, rad+0.5-d)
		}
	}
}

// add raises the coverage at (x, y) to f (0..1) if it is higher.
func (cov *coverage) add(x, y int, f float64) {
	if f <= 0 {
		return
	}
	v := uint8(math.Min(f, 1)*255 + 0.5)
	i := (y-cov.area.Min.Y)*cov.area.Dx() + x - cov.area.Min.X
	cov.a[i] = max(cov.a[i], v)
}

// paint blends c over the canvas through the collected coverage.
func (cov *coverage) paint(cv *canvas, c color.RGBA) {
	for y := cov.area.Min.Y; y < cov.area.Max.Y; y++ {
		row := cov.a[(y-cov.area.Min.Y)*cov.area.Dx():]
		for x := cov.area.Min.X; x < cov.area.Max.X; x++ {
			cv.blend(x, y, c, row[x-cov.area.Min.X])
		}
	}
}

// strokePaths draws open paths (and closed ones, when closed is set) with
// width lw in colour c.
func (cv *canvas) strokePaths(paths [][]point, closed bool, lw float64, c color.RGBA) {
	area := cv.clip(boundsOf(paths...), lw+1)
	if area.Empty() {
		return
	}
	cov := newCoverage(area)
	for _, path := range paths {
		for i := range path {
			if i+1 < len(path) {
				cov.stroke(path[i], path[i+1], lw)
			} else if closed && len(path) > 2 {
				cov.stroke(path[i], path[0], lw)
			} else if len(path) == 1 {
				cov.disc(path[0], lw/2)
			}
		}
	}
	cov.paint(cv, c)
}

// fillRings fills the rings by the even-odd rule with c at opacity a,
// sampling each pixel at its centre.
func (cv *canvas) fillRings(rings [][]point, c color.RGBA, a uint8) {
	area := cv.clip(boundsOf(rings...), 0)
	var xs []float64
	for y := area.Min.Y; y < area.Max.Y; y++ {
		cy := float64(y) + 0.5
		xs = xs[:0]
		for _, ring := range rings {
			for i, p := range ring {
				q := ring[(i+1)%len(ring)]
				if (p.Y <= cy) != (q.Y <= cy) {
					xs = append(xs, p.X+(cy-p.Y)*(q.X-p.X)/(q.Y-p.Y))
				}
			}
		}
		slices.Sort(xs)
		for i := 0; i+1 < len(xs); i += 2 {
			from := math.Max(math.Ceil(xs[i]-0.5), float64(area.Min.X))
			to := math.Min(math.Ceil(xs[i+1]-0.5), float64(area.Max.X))
			for x := int(from); x < int(to); x++ {
				cv.blend(x, y, c, a)
			}
		}
	}
}

// dot draws a filled disc of radius rad around p.
func (cv *canvas) dot(p point, rad float64, c color.RGBA) {
	area := cv.clip(rect{p, p}, rad+1)
	if area.Empty() {
		return
	}
	cov := newCoverage(area)
	cov.disc(p, rad)
	cov.paint(cv, c)
}

// tint blends c at opacity a over the pixels set in mask, whose bounds are
// in canvas coordinates.
func (cv *canvas) tint(mask *image.Alpha, c color.RGBA, a uint8) {
	r := mask.Rect.Intersect(image.Rect(0, 0, cv.w, cv.h))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if mask.Pix[mask.PixOffset(x, y)] != 0 {
				cv.blend(x, y, c, a)
			}
		}
	}
}
