package render

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
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

// fitMask returns the mask's non-zero pixels stretched (nearest neighbour)
// to a w x h canvas as 255, the rest as 0, and the bounds of the set pixels.
//
// A pixel is set when its colour is not black; in a mask that has any
// transparent pixel, when it is not transparent, since such masks paint
// the object and leave the background clear.
func fitMask(src image.Image, w, h int) (*image.Alpha, image.Rectangle) {
	b := src.Bounds()
	on := make([]bool, b.Dx()*b.Dy())
	byAlpha := false
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := src.At(x, y).RGBA()
			byAlpha = byAlpha || a == 0
			on[(y-b.Min.Y)*b.Dx()+x-b.Min.X] = r|g|bl != 0
		}
	}
	if byAlpha {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				_, _, _, a := src.At(x, y).RGBA()
				on[(y-b.Min.Y)*b.Dx()+x-b.Min.X] = a != 0
			}
		}
	}

	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	var area image.Rectangle
	for y := range h {
		sy := y * b.Dy() / h
		for x := range w {
			if on[sy*b.Dx()+x*b.Dx()/w] {
				mask.Pix[y*mask.Stride+x] = 255
				area = area.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return mask, area
}
