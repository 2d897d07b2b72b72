package render

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/draw"
	"strings"
)

// maxMaskSide bounds a mask's width and height, so a corrupt header cannot
// make the decoder allocate without end.
const maxMaskSide = 1 << 14

// decodeDataURL decodes a "data:image/png;base64,..." URL into an image.
func decodeDataURL(url string) (image.Image, error) {
	head, payload, ok := strings.Cut(url, ",")
	if !ok || !strings.HasPrefix(head, "data:") || !strings.HasSuffix(head, ";base64") {
		return nil, fmt.Errorf("mask is not a base64 data URL")
	}
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		// Some writers drop the padding.
		raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(payload, "="))
	}
	if err != nil {
		return nil, fmt.Errorf("mask data URL: %w", err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("mask image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxMaskSide || cfg.Height > maxMaskSide {
		return nil, fmt.Errorf("mask image: size %dx%d out of range", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("mask image: %w", err)
	}
	return img, nil
}

// fitMask stretches the mask (nearest neighbour) to a w x h canvas and
// returns its non-zero pixels as 255, the rest as 0, cropped to the bounds
// of the set pixels; nil and an empty rectangle when none is set.
//
// A pixel is set when its colour is not black; in a mask that has any
// transparent pixel, when it is not transparent, since such masks paint
// the object and leave the background clear.
func fitMask(src image.Image, w, h int) (*image.Alpha, image.Rectangle) {
	b := src.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), src, b.Min, draw.Src)
	on := make([]bool, b.Dx()*b.Dy())
	byAlpha := false
	for i := range on {
		p := rgba.Pix[i*4 : i*4+4 : i*4+4]
		on[i] = p[0]|p[1]|p[2] != 0
		byAlpha = byAlpha || p[3] == 0
	}
	if byAlpha {
		for i := range on {
			on[i] = rgba.Pix[i*4+3] != 0
		}
	}

	// Canvas pixel (x, y) shows mask pixel (x*mw/w, y*mh/h).
	set := func(x, y int) bool { return on[y*b.Dy()/h*b.Dx()+x*b.Dx()/w] }
	x0, y0, x1, y1 := w, h, 0, 0
	for y := range h {
		for x := range w {
			if set(x, y) {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x+1), max(y1, y+1)
			}
		}
	}
	if x1 == 0 {
		return nil, image.Rectangle{}
	}
	mask := image.NewAlpha(image.Rect(x0, y0, x1, y1))
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			if set(x, y) {
				mask.Pix[mask.PixOffset(x, y)] = 255
			}
		}
	}
	return mask, mask.Rect
}
