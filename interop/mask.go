package interop

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
)

// pngDataPrefix starts the coordinates of a Dataloop binary annotation.
const pngDataPrefix = "data:image/png;base64,"

// MaskToDataURL encodes a mask as the PNG data URL of a Dataloop binary
// annotation: set pixels opaque white, the others transparent.
func MaskToDataURL(m Mask) (string, error) {
	img := image.NewNRGBA(image.Rect(0, 0, m.Width, m.Height))
	for i, on := range m.Bits {
		if on {
			o := 4 * i
			copy(img.Pix[o:o+4], []byte{255, 255, 255, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("encode mask png: %w", err)
	}
	return pngDataPrefix + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// MaskFromDataURL decodes the PNG data URL of a Dataloop binary annotation.
// In an image with an alpha channel a pixel is set when it is not fully
// transparent (Dataloop paints the label colour on a transparent ground); in
// one without, when it is not black.
func MaskFromDataURL(s string) (Mask, error) {
	enc, ok := strings.CutPrefix(s, pngDataPrefix)
	if !ok {
		return Mask{}, fmt.Errorf("mask is not a %q url", pngDataPrefix)
	}
	data, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return Mask{}, fmt.Errorf("decode mask base64: %w", err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return Mask{}, fmt.Errorf("decode mask png: %w", err)
	}

	b := img.Bounds()
	m := Mask{Width: b.Dx(), Height: b.Dy(), Bits: make([]bool, b.Dx()*b.Dy())}
	alpha := hasAlpha(img)
	for y := 0; y < m.Height; y++ {
		for x := 0; x < m.Width; x++ {
			r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			m.Bits[y*m.Width+x] = a != 0 && (alpha || r|g|bl != 0)
		}
	}
	return m, nil
}

// hasAlpha tells whether the image's colour model can hold transparency.
func hasAlpha(img image.Image) bool {
	switch cm := img.ColorModel(); cm {
	case color.NRGBAModel, color.RGBAModel, color.NRGBA64Model, color.RGBA64Model,
		color.AlphaModel, color.Alpha16Model:
		return true
	default:
		if pal, ok := cm.(color.Palette); ok {
			for _, c := range pal {
				if _, _, _, a := c.RGBA(); a != 0xffff {
					return true
				}
			}
		}
	}
	return false
}
