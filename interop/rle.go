package interop

import (
	"errors"
	"fmt"
	"strings"
)

// Mask is a binary image, row-major: Bits[y*Width+x] is pixel (x, y).
type Mask struct {
	Width, Height int
	Bits          []bool
}

// RLE is COCO's run-length encoding of a Mask: Counts alternate runs of
// off and on pixels, starting with off (a mask starting on begins with a 0
// run), walking the image column by column (x outer, y inner).
type RLE struct {
	Height, Width int
	Counts        []int
}

// maxRLECount bounds a decoded run length; no image has this many pixels,
// and the bound keeps the delta coding far from integer overflow.
const maxRLECount = 1 << 40

// errRLEString is wrapped by every DecodeRLEString error.
var errRLEString = errors.New("bad compressed rle")

// DecodeRLEString decodes the compressed counts string of COCO (the form
// pycocotools writes). Each count is stored as little-endian groups of five
// bits in characters offset by 48; a character's bit 0x20 says another group
// follows, and bit 0x10 of the last group is the sign. From the fourth count
// on, the value stored is the difference to the count two places before.
func DecodeRLEString(s string) ([]int, error) {
	var counts []int
	for p := 0; p < len(s); {
		var x int64
		k := 0
		for more := true; more; k++ {
			if p >= len(s) {
				return nil, fmt.Errorf("%w: string ends inside a count", errRLEString)
			}
			c := int64(s[p]) - 48
			if c < 0 || c > 63 {
				return nil, fmt.Errorf("%w: byte %q at %d", errRLEString, s[p], p)
			}
			if 5*k >= 60 {
				return nil, fmt.Errorf("%w: count at %d is too long", errRLEString, p)
			}
			x |= (c & 0x1f) << (5 * k)
			more = c&0x20 != 0
			p++
			if !more && c&0x10 != 0 {
				x |= -1 << (5 * (k + 1))
			}
		}
		if len(counts) > 2 {
			x += int64(counts[len(counts)-2])
		}
		if x < -maxRLECount || x > maxRLECount {
			return nil, fmt.Errorf("%w: count %d out of range", errRLEString, x)
		}
		counts = append(counts, int(x))
	}
	return counts, nil
}

// EncodeRLEString encodes counts in COCO's compressed string form; it is the
// inverse of DecodeRLEString.
func EncodeRLEString(counts []int) string {
	var b strings.Builder
	for i, n := range counts {
		x := int64(n)
		if i > 2 {
			x -= int64(counts[i-2])
		}
		for more := true; more; {
			c := x & 0x1f
			x >>= 5
			if c&0x10 != 0 {
				more = x != -1
			} else {
				more = x != 0
			}
			if more {
				c |= 0x20
			}
			b.WriteByte(byte(c + 48))
		}
	}
	return b.String()
}

// Mask expands the runs into a mask. The runs must be non-negative and cover
// the Height x Width pixels exactly.
func (r RLE) Mask() (Mask, error) {
	if r.Width <= 0 || r.Height <= 0 {
		return Mask{}, fmt.Errorf("rle size %dx%d is not positive", r.Width, r.Height)
	}
	total := r.Width * r.Height
	m := Mask{Width: r.Width, Height: r.Height, Bits: make([]bool, total)}
	i := 0
	for j, n := range r.Counts {
		if n < 0 {
			return Mask{}, fmt.Errorf("rle run %d is negative (%d)", j, n)
		}
		if n > total-i {
			return Mask{}, fmt.Errorf("rle runs pass the %d pixels of a %dx%d image",
				total, r.Width, r.Height)
		}
		if j%2 == 1 {
			for k := i; k < i+n; k++ {
				m.Bits[(k%r.Height)*r.Width+k/r.Height] = true
			}
		}
		i += n
	}
	if i != total {
		return Mask{}, fmt.Errorf("rle runs cover %d of the %d pixels of a %dx%d image",
			i, total, r.Width, r.Height)
	}
	return m, nil
}

// EncodeRLE run-length encodes a mask, column by column.
func EncodeRLE(m Mask) RLE {
	r := RLE{Height: m.Height, Width: m.Width}
	on, run := false, 0
	for x := 0; x < m.Width; x++ {
		for y := 0; y < m.Height; y++ {
			if m.Bits[y*m.Width+x] != on {
				r.Counts = append(r.Counts, run)
				on, run = !on, 0
			}
			run++
		}
	}
	r.Counts = append(r.Counts, run)
	return r
}

// Area returns the number of set pixels.
func (m Mask) Area() int {
	n := 0
	for _, b := range m.Bits {
		if b {
			n++
		}
	}
	return n
}

// Bounds returns the box around the set pixels, in pixel edges (a single
// pixel at (3,4) gives (3,4)-(4,5)), and false when no pixel is set.
func (m Mask) Bounds() (rect, bool) {
	x0, y0, x1, y1 := m.Width, m.Height, -1, -1
	for y := 0; y < m.Height; y++ {
		for x := 0; x < m.Width; x++ {
			if m.Bits[y*m.Width+x] {
				x0, y0 = min(x0, x), min(y0, y)
				x1, y1 = max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return rect{}, false
	}
	return rect{float64(x0), float64(y0), float64(x1 + 1), float64(y1 + 1)}, true
}
