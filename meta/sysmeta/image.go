package sysmeta

import (
	"encoding/binary"
	"image"
	"image/color"
	_ "image/gif" // register GIF with image.DecodeConfig
	_ "image/jpeg"
	_ "image/png"
	"io"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// imageFacts are the header facts of an image.
type imageFacts struct {
	width, height int
	channels      int
	orientation   int // EXIF orientation 1..8, 1 when absent
}

// probeImage reads the header of an image of MIME type mt. It answers false
// when mt is not an image type the standard decoders know, or when the header
// cannot be decoded.
func probeImage(r io.ReaderAt, size int64, head []byte, mt string) (imageFacts, bool) {
	switch mt {
	case "image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff", "image/bmp":
	default:
		return imageFacts{}, false
	}
	cfg, _, err := image.DecodeConfig(io.NewSectionReader(r, 0, size))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return imageFacts{}, false
	}

	img := imageFacts{
		width:       cfg.Width,
		height:      cfg.Height,
		channels:    modelChannels(cfg.ColorModel),
		orientation: 1,
	}
	switch mt {
	case "image/jpeg":
		img.orientation = jpegOrientation(r, size)
	case "image/png":
		img.channels = pngChannels(head, img.channels)
	case "image/bmp":
		img.channels = bmpChannels(head, img.channels)
	case "image/webp":
		img.channels = webpChannels(head, img.channels)
		img.orientation = webpOrientation(r, size)
	case "image/tiff":
		tags := readTIFF(r, size)
		img.orientation = tags.orientation
		img.channels = tags.channels(img.channels)
	}
	return img, true
}

// modelChannels counts the channels a decoder's colour model stands for. A
// palette counts as 3, or 4 when an entry is translucent (the PNG decoder
// applies tRNS to the palette it reports). RGBA models count 4 even when the
// format has no alpha; the format-specific helpers correct that.
func modelChannels(m color.Model) int {
	switch m {
	case color.GrayModel, color.Gray16Model, color.AlphaModel, color.Alpha16Model:
		return 1
	case color.YCbCrModel:
		return 3
	case color.RGBAModel, color.RGBA64Model, color.NRGBAModel, color.NRGBA64Model,
		color.NYCbCrAModel, color.CMYKModel:
		return 4
	}
	if p, ok := m.(color.Palette); ok {
		for _, c := range p {
			if _, _, _, a := c.RGBA(); a != 0xffff {
				return 4
			}
		}
	}
	return 3
}

// pngChannels reads the colour type from the PNG IHDR chunk, which tells
// gray+alpha (2 channels) from RGBA; Go decodes both to NRGBA.
func pngChannels(head []byte, fallback int) int {
	const colorTypeAt = 8 + 8 + 9 // signature, chunk length and type, IHDR fields
	if len(head) <= colorTypeAt || string(head[12:16]) != "IHDR" {
		return fallback
	}
	switch head[colorTypeAt] {
	case 0:
		return 1
	case 2:
		return 3
	case 4:
		return 2
	case 6:
		return 4
	}
	return fallback // palette: transparency was judged from the palette
}

// bmpChannels reads bits per pixel from the BMP info header. Like Go's
// decoder, a 32-bit BMP has alpha only when its info header is larger than
// the 40-byte BITMAPINFOHEADER (and so carries an alpha mask).
func bmpChannels(head []byte, fallback int) int {
	if len(head) < 30 {
		return fallback
	}
	infoLen := binary.LittleEndian.Uint32(head[14:18])
	switch bpp := binary.LittleEndian.Uint16(head[28:30]); {
	case bpp == 32 && infoLen > 40:
		return 4
	case bpp <= 32:
		return 3
	}
	return fallback
}

// webpChannels corrects Go's answer for lossless WebP, which is always NRGBA:
// the VP8L header has an alpha_is_used bit.
func webpChannels(head []byte, fallback int) int {
	if len(head) < 25 || string(head[12:16]) != "VP8L" || head[20] != 0x2f {
		return fallback
	}
	// Bits 0-13 width-1, 14-27 height-1, 28 alpha_is_used, 29-31 version.
	bits := binary.LittleEndian.Uint32(head[21:25])
	if bits&(1<<28) != 0 {
		return 4
	}
	return 3
}
