package sysmeta

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// This file builds small test images: with the standard encoders where Go
// has one, and by hand for lossless WebP, gray+alpha PNG headers and EXIF.

// rgbaImage returns a w×h image filled with c.
func rgbaImage(w, h int, c color.RGBA) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return m
}

// grayImage returns a w×h gray gradient.
func grayImage(w, h int) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(i)
	}
	return m
}

// palettedImage returns a w×h image over a two-colour palette.
func palettedImage(w, h int, p color.Palette) *image.Paletted {
	m := image.NewPaletted(image.Rect(0, 0, w, h), p)
	for i := range m.Pix {
		m.Pix[i] = uint8(i % len(p))
	}
	return m
}

var (
	opaqueRed = color.RGBA{R: 200, G: 30, B: 40, A: 255}
	halfBlue  = color.RGBA{R: 0, G: 0, B: 100, A: 128} // premultiplied
	twoOpaque = color.Palette{color.RGBA{A: 255}, color.RGBA{R: 255, G: 255, B: 255, A: 255}}
	twoClear  = color.Palette{color.NRGBA{A: 0}, color.NRGBA{R: 255, A: 255}}
)

func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeTIFF(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := tiff.Encode(&b, m, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeBMP(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := bmp.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeader returns a PNG signature and IHDR chunk (with a correct CRC) of
// the given colour type, which is all DecodeConfig needs for non-palette
// types. Go's encoder never writes gray+alpha (type 4), so that case is
// built here.
func pngHeader(w, h uint32, colorType byte) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, colorType, 0, 0, 0)
	return pngChunk([]byte("\x89PNG\r\n\x1a\n"), "IHDR", ihdr)
}

// pngChunk appends a PNG chunk with its CRC to out.
func pngChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	body := append([]byte(typ), data...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(body))
}

// bitWriter writes bits least significant first, as VP8L reads them.
type bitWriter struct {
	buf   []byte
	nbits uint
}

func (bw *bitWriter) write(v uint32, n uint) {
	for i := uint(0); i < n; i++ {
		if bw.nbits%8 == 0 {
			bw.buf = append(bw.buf, 0)
		}
		bw.buf[len(bw.buf)-1] |= byte(v>>i&1) << (bw.nbits % 8)
		bw.nbits++
	}
}

// vp8lSolid returns a VP8L bitstream of a w×h image of one colour: no
// transforms, no colour cache, and five prefix codes of one symbol each, so
// that every pixel costs zero bits.
func vp8lSolid(w, h int, c color.NRGBA, alphaUsed bool) []byte {
	bw := &bitWriter{buf: []byte{0x2f}, nbits: 8}
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	if alphaUsed {
		bw.write(1, 1)
	} else {
		bw.write(0, 1)
	}
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A} {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // 8-bit symbol
		bw.write(uint32(sym), 8)
	}
	bw.write(1, 1) // distance code: simple,
	bw.write(0, 1) // one symbol,
	bw.write(0, 1) // 1-bit symbol
	bw.write(0, 1) // 0
	return bw.buf
}

// riffChunk frames a RIFF chunk, padded to even length.
func riffChunk(fourcc string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint32([]byte(fourcc), uint32(len(data)))
	out = append(out, data...)
	if len(data)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

// webpFile wraps chunks in a RIFF WEBP container.
func webpFile(chunks ...[]byte) []byte {
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c...)
	}
	out := binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(len(body)))
	return append(out, body...)
}

// webpLossless returns a simple-format lossless WebP of one colour.
func webpLossless(w, h int, c color.NRGBA, alphaUsed bool) []byte {
	return webpFile(riffChunk("VP8L", vp8lSolid(w, h, c, alphaUsed)))
}

// webpWithEXIF returns an extended WebP (VP8X) of one colour that carries
// tiffData in an EXIF chunk.
func webpWithEXIF(w, h int, tiffData []byte) []byte {
	const exifFlag = 1 << 3
	vp8x := []byte{exifFlag, 0, 0, 0}
	vp8x = append(vp8x, byte(w-1), byte((w-1)>>8), byte((w-1)>>16))
	vp8x = append(vp8x, byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
	return webpFile(
		riffChunk("VP8X", vp8x),
		riffChunk("VP8L", vp8lSolid(w, h, color.NRGBA{G: 255, A: 255}, false)),
		riffChunk("EXIF", tiffData),
	)
}

// byteOrder is a byte order that can both read and append.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// tiffWithOrientation returns a TIFF header whose first IFD holds a few
// unrelated tags and Orientation, in the given byte order.
func tiffWithOrientation(bo byteOrder, orientation uint16) []byte {
	out := []byte("II*\x00")
	if bo == binary.BigEndian {
		out = []byte("MM\x00*")
	}
	out = bo.AppendUint32(out, 8)
	out = bo.AppendUint16(out, 3)
	entry := func(tag, typ uint16, value uint32) {
		out = bo.AppendUint16(out, tag)
		out = bo.AppendUint16(out, typ)
		out = bo.AppendUint32(out, 1)
		if typ == 3 { // SHORT: left-justified in the value field
			out = bo.AppendUint16(out, uint16(value))
			out = append(out, 0, 0)
		} else {
			out = bo.AppendUint32(out, value)
		}
	}
	entry(0x010f, 2, 0x41) // Make, ASCII "A"
	entry(tagOrientation, 3, uint32(orientation))
	entry(0x8769, 4, 0) // ExifIFD pointer, not followed
	return bo.AppendUint32(out, 0)
}

// jpegWithEXIF inserts an APP1 Exif segment holding tiffData right after
// the SOI marker of a JPEG file.
func jpegWithEXIF(jpg, tiffData []byte) []byte {
	payload := append([]byte(exifPrefix), tiffData...)
	seg := []byte{0xff, 0xe1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}
