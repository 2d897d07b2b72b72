package render

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif" // registers the GIF decoder
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"strings"

	_ "golang.org/x/image/bmp" // registers the BMP decoder
	xdraw "golang.org/x/image/draw"
	_ "golang.org/x/image/tiff" // registers the TIFF decoder
	_ "golang.org/x/image/webp" // registers the WebP decoder
)

// Output formats.
const (
	FormatJPEG = "jpeg"
	FormatPNG  = "png"
)

// maxPixels bounds the pictures Render decodes (width times height). A
// rendering holds about ten bytes per pixel, so this caps it near 700 MB.
const maxPixels = 64 << 20

// jpegQuality is the quality of JPEG output.
const jpegQuality = 90

// Opacities (0..255) of the translucent layers.
const (
	segmentFillAlpha = 64  // about 25%
	maskTintAlpha    = 115 // about 45%
)

// ErrTooLarge is returned for a picture of more than 64 megapixels, which
// Render refuses before decoding it; a caller may show the original instead.
var ErrTooLarge = errors.New("image too large to render")

// Options controls a rendering.
type Options struct {
	// MaxSide, when above 0, shrinks the picture so that neither side is
	// longer; 0 keeps the original size.
	MaxSide int
	// Format forces the output format (FormatJPEG or FormatPNG); empty
	// chooses by the source, as FormatFor does.
	Format string
}

// Result describes a rendering.
type Result struct {
	Format        string // FormatJPEG or FormatPNG
	Width, Height int    // size of the written picture
	// Skipped names, once each and in order of appearance, the annotation
	// types of the annotations that were not drawn.
	Skipped []string
	// Problems says why annotations of drawable types were not drawn
	// (unreadable coordinates, a bad mask), one line per annotation.
	Problems []string
}

// FormatFor returns the format Render writes for a source of the given
// MIME type: FormatJPEG for JPEG, FormatPNG for anything else.
func FormatFor(mimetype string) string {
	mt, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(mimetype)), ";")
	switch mt {
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return FormatJPEG
	}
	return FormatPNG
}

// Render decodes the picture in src (jpeg, png, webp, tiff, bmp or gif),
// turns it upright by EXIF orientation (1..8; 0 or 1 for none), draws
// anns on it and writes it to w: as JPEG (quality 90) when the source is
// JPEG, else as PNG, unless opt.Format says otherwise. Annotation numbers
// may be json.Number or float64. Annotations that cannot be drawn are
// skipped and listed in the Result; only an unreadable picture or a failed
// write is an error. The same input gives the same bytes (for a given Go
// release), and Render may run in several goroutines at once.
func Render(w io.Writer, src io.Reader, orientation int, anns []map[string]any,
	opt Options) (Result, error) {
	pic, res, err := renderImage(src, orientation, anns, opt)
	if err != nil {
		return Result{}, err
	}
	if err := encode(w, pic, res.Format); err != nil {
		return Result{}, err
	}
	return res, nil
}

// renderImage is Render without the encoding: it returns the drawn picture.
func renderImage(src io.Reader, orientation int, anns []map[string]any,
	opt Options) (*image.NRGBA, Result, error) {
	if opt.Format != "" && opt.Format != FormatJPEG && opt.Format != FormatPNG {
		return nil, Result{}, fmt.Errorf("render: unknown output format %q", opt.Format)
	}
	img, srcFormat, err := decode(src)
	if err != nil {
		return nil, Result{}, err
	}
	pic := upright(toNRGBA(img), orientation)
	scale := 1.0
	if b := pic.Bounds(); opt.MaxSide > 0 && max(b.Dx(), b.Dy()) > opt.MaxSide {
		scale = float64(opt.MaxSide) / float64(max(b.Dx(), b.Dy()))
		pic = shrink(pic, scale)
	}

	cv := newCanvas(pic)
	res := Result{Format: opt.Format, Width: cv.w, Height: cv.h}
	if res.Format == "" {
		res.Format = FormatPNG
		if srcFormat == "jpeg" {
			res.Format = FormatJPEG
		}
	}
	if err := drawAll(cv, anns, scale, &res); err != nil {
		return nil, Result{}, err
	}
	return pic, res, nil
}

// decode reads a whole picture, refusing one larger than maxPixels before
// decoding its pixels.
func decode(src io.Reader) (image.Image, string, error) {
	data, err := io.ReadAll(src)
	if err != nil {
		return nil, "", fmt.Errorf("render: read image: %w", err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("render: decode image header: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, "", fmt.Errorf("render: %dx%d: %w", cfg.Width, cfg.Height, ErrTooLarge)
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("render: decode image: %w", err)
	}
	return img, format, nil
}

// toNRGBA copies img into a fresh NRGBA picture whose origin is (0, 0).
// An NRGBA source is copied byte for byte.
func toNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	if src, ok := img.(*image.NRGBA); ok {
		for y := range b.Dy() {
			copy(dst.Pix[y*dst.Stride:(y+1)*dst.Stride], src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):])
		}
		return dst
	}
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	return dst
}

// shrink scales pic by factor s (< 1) with bilinear filtering.
func shrink(pic *image.NRGBA, s float64) *image.NRGBA {
	b := pic.Bounds()
	w := max(1, int(math.Round(float64(b.Dx())*s)))
	h := max(1, int(math.Round(float64(b.Dy())*s)))
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	xdraw.BiLinear.Scale(dst, dst.Bounds(), pic, b, xdraw.Src, nil)
	return dst
}

// encode writes pic in the given format.
func encode(w io.Writer, pic *image.NRGBA, format string) error {
	var err error
	switch format {
	case FormatJPEG:
		err = jpeg.Encode(w, pic, &jpeg.Options{Quality: jpegQuality})
	case FormatPNG:
		// Previews are made on the fly while a folder is listed: favour
		// speed over size (files are about a quarter larger).
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		err = enc.Encode(w, pic)
	default:
		return fmt.Errorf("render: unknown output format %q", format)
	}
	if err != nil {
		return fmt.Errorf("render: encode %s: %w", format, err)
	}
	return nil
}

// strokeWidth and labelSize grow a little with the picture, so lines and
// text stay visible on large photos without hiding small ones.
func strokeWidth(w, h int) float64 {
	return math.Max(2, math.Min(6, float64(max(w, h))/250))
}

func labelSize(w, h int) float64 {
	return math.Max(11, math.Min(32, float64(max(w, h))/40))
}
