package render

import (
	"encoding/binary"
	"image"
)

// upright returns img turned as EXIF orientation o asks (1..8; any other
// value leaves it as it is). Orientation 2 mirrors, 3 turns 180°, 4 flips,
// 5 transposes, 6 turns 90° clockwise, 7 transverses, 8 turns 90°
// counter-clockwise.
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

// exifOrientationTag is the TIFF tag number of Orientation.
const exifOrientationTag = 0x0112

// Orientation reads the EXIF Orientation (1..8) from the start of a JPEG
// file, for callers whose item metadata does not carry it. It returns 0
// when the data is not a JPEG or has no readable orientation.
func Orientation(jpeg []byte) int {
	if len(jpeg) < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8 {
		return 0
	}
	for i := 2; i+4 <= len(jpeg); {
		if jpeg[i] != 0xFF {
			return 0
		}
		marker := jpeg[i+1]
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return 0
		}
		n := int(binary.BigEndian.Uint16(jpeg[i+2:]))
		end := i + 2 + n
		if n < 2 || end > len(jpeg) {
			return 0
		}
		seg := jpeg[i+4 : end]
		if marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i = end
	}
	return 0
}

// tiffOrientation finds the Orientation tag in the first IFD of a TIFF
// structure.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 0
	}
	ifd := int(order.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 0
	}
	count := int(order.Uint16(t[ifd:]))
	for k := range count {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			return 0
		}
		if order.Uint16(t[e:]) != exifOrientationTag {
			continue
		}
		v := int(order.Uint16(t[e+8:]))
		if v < 1 || v > 8 {
			return 0
		}
		return v
	}
	return 0
}
