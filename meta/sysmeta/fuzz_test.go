package sysmeta

import (
	"bytes"
	"encoding/binary"
	"image/color"
	"testing"
)

// FuzzProbe feeds arbitrary bytes under image and media names: Probe must
// never panic, and must never fail on a reader that does not fail.
func FuzzProbe(f *testing.F) {
	f.Add(encodeJPEG(f, grayImage(4, 4)), "a.jpg")
	f.Add(jpegWithEXIF(encodeJPEG(f, grayImage(2, 2)),
		tiffWithOrientation(binary.BigEndian, 6)), "e.jpg")
	f.Add(encodePNG(f, palettedImage(3, 3, twoClear)), "p.png")
	f.Add(webpLossless(3, 3, color.NRGBA{A: 255}, true), "l.webp")
	f.Add(webpWithEXIF(2, 2, tiffWithOrientation(binary.LittleEndian, 3)), "x.webp")
	f.Add(encodeTIFF(f, grayImage(2, 3)), "t.tif")
	f.Add(encodeBMP(f, rgbaImage(2, 2, opaqueRed)), "b.bmp")
	f.Add([]byte(`{"a":1}`), "j.json")

	f.Fuzz(func(t *testing.T, data []byte, name string) {
		facts, err := Probe(bytes.NewReader(data), int64(len(data)), name)
		if err != nil {
			t.Fatalf("Probe: %v", err)
		}
		if facts["size"] != int64(len(data)) {
			t.Fatalf("size %v, want %d", facts["size"], len(data))
		}
		if w, ok := facts["width"].(int); ok && w <= 0 {
			t.Fatalf("width %d", w)
		}
	})
}
