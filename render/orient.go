package render

import "image"

// upright returns img turned as EXIF orientation o asks (1..8; any other
// value leaves it as it is): 2 mirrors, 3 turns 180°, 4 flips, 5
// transposes, 6 turns 90° clockwise, 7 transverses, 8 turns 90°
// counter-clockwise. The orientation is the one the importer records in
// metadata.system.exif.Orientation (see package meta/sysmeta).
func upright(img *image.NRGBA, o int) *image.NRGBA {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	for dy := range dh {
		for dx := range dw {
			sx, sy := sourceOf(o, dx, dy, w, h)
			si := sy*img.Stride + sx*4
			di := dy*dst.Stride + dx*4
			copy(dst.Pix[di:di+4], img.Pix[si:si+4])
		}
	}
	return dst
}

// sourceOf returns the stored pixel shown at (dx, dy) of the upright
// picture, for a stored picture w x h with orientation o.
func sourceOf(o, dx, dy, w, h int) (int, int) {
	switch o {
	case 2:
		return w - 1 - dx, dy
	case 3:
		return w - 1 - dx, h - 1 - dy
	case 4:
		return dx, h - 1 - dy
	case 5:
		return dy, dx
	case 6:
		return dy, h - 1 - dx
	case 7:
		return w - 1 - dy, h - 1 - dx
	case 8:
		return w - 1 - dy, dx
	}
	return dx, dy
}
