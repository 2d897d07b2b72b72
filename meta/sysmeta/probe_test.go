package sysmeta

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"io"
	"strings"
	"testing"

	"golang.org/x/image/webp"
)

// probeBytes probes data as a file called name.
func probeBytes(t testing.TB, data []byte, name string) map[string]any {
	t.Helper()
	facts, err := Probe(bytes.NewReader(data), int64(len(data)), name)
	if err != nil {
		t.Fatalf("Probe(%s): %v", name, err)
	}
	return facts
}

func TestProbeImages(t *testing.T) {
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, palettedImage(6, 4, twoOpaque), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		data          []byte
		mimetype      string
		width, height int
		channels      int
	}{
		{"a.jpg", encodeJPEG(t, rgbaImage(64, 48, opaqueRed)), "image/jpeg", 64, 48, 3},
		{"b.jpeg", encodeJPEG(t, grayImage(33, 17)), "image/jpeg", 33, 17, 1},
		{"c.jfif", encodeJPEG(t, rgbaImage(20, 10, opaqueRed)), "image/jpeg", 20, 10, 3},
		{"rgb.png", encodePNG(t, rgbaImage(31, 7, opaqueRed)), "image/png", 31, 7, 3},
		{"rgba.png", encodePNG(t, rgbaImage(8, 9, halfBlue)), "image/png", 8, 9, 4},
		{"gray.png", encodePNG(t, grayImage(12, 5)), "image/png", 12, 5, 1},
		{"pal.png", encodePNG(t, palettedImage(4, 4, twoOpaque)), "image/png", 4, 4, 3},
		{"clear.png", encodePNG(t, palettedImage(4, 3, twoClear)), "image/png", 4, 3, 4},
		{"ga.png", pngHeader(7, 9, 4), "image/png", 7, 9, 2},
		{"anim.png", pngChunk(pngHeader(6, 2, 2), "acTL", make([]byte, 8)), "image/png", 6, 2, 3},
		{"l.webp", webpLossless(5, 3, color.NRGBA{R: 9, A: 255}, false), "image/webp", 5, 3, 3},
		{"la.webp", webpLossless(300, 2, color.NRGBA{A: 7}, true), "image/webp", 300, 2, 4},
		{"x.webp", webpWithEXIF(17, 13, tiffWithOrientation(binary.LittleEndian, 1)),
			"image/webp", 17, 13, 3},
		{"rgba.tiff", encodeTIFF(t, rgbaImage(10, 20, opaqueRed)), "image/tiff", 10, 20, 4},
		{"gray.tif", encodeTIFF(t, grayImage(3, 2)), "image/tiff", 3, 2, 1},
		{"pal.tif", encodeTIFF(t, palettedImage(5, 5, twoOpaque)), "image/tiff", 5, 5, 3},
		{"rgb.bmp", encodeBMP(t, rgbaImage(11, 6, opaqueRed)), "image/bmp", 11, 6, 3},
		{"gray.bmp", encodeBMP(t, grayImage(4, 4)), "image/bmp", 4, 4, 3},
		{"bgrx.bmp", encodeBMP(t, rgbaImage(2, 2, halfBlue)), "image/bmp", 2, 2, 3},
		{"p.gif", gifBuf.Bytes(), "image/gif", 6, 4, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := probeBytes(t, tt.data, "dir/"+tt.name)
			want := map[string]any{
				"originalname": tt.name,
				"size":         int64(len(tt.data)),
				"mimetype":     tt.mimetype,
				"encoding":     "7bit",
				"isBinary":     true,
				"width":        tt.width,
				"height":       tt.height,
				"channels":     tt.channels,
				"exif":         map[string]any{"Orientation": 1},
			}
			assertFacts(t, got, want)
		})
	}
}

// assertFacts compares two fact maps through their JSON form, which is
// what dlfs stores, and also checks that every key has the wanted Go type.
func assertFacts(t *testing.T, got, want map[string]any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("facts\n got %s\nwant %s", g, w)
	}
	for k, v := range want {
		if gv, ok := got[k]; ok && !sameType(gv, v) {
			t.Errorf("%s: got %T, want %T", k, gv, v)
		}
	}
}

func sameType(a, b any) bool {
	switch b.(type) {
	case int:
		_, ok := a.(int)
		return ok
	case int64:
		_, ok := a.(int64)
		return ok
	}
	return true
}

func TestWebPLiteralDecodes(t *testing.T) {
	want := color.NRGBA{R: 10, G: 200, B: 30, A: 255}
	m, err := webp.Decode(bytes.NewReader(webpLossless(6, 4, want, false)))
	if err != nil {
		t.Fatalf("decode hand-built lossless webp: %v", err)
	}
	if m.Bounds() != image.Rect(0, 0, 6, 4) {
		t.Fatalf("bounds %v, want 6x4", m.Bounds())
	}
	if got := color.NRGBAModel.Convert(m.At(5, 3)); got != want {
		t.Errorf("pixel %v, want %v", got, want)
	}
	if _, err := webp.Decode(bytes.NewReader(webpWithEXIF(3, 2, nil))); err != nil {
		t.Errorf("decode extended webp: %v", err)
	}
}

func TestProbeOrientation(t *testing.T) {
	jpg := encodeJPEG(t, rgbaImage(40, 30, opaqueRed))
	le6 := tiffWithOrientation(binary.LittleEndian, 6)
	be8 := tiffWithOrientation(binary.BigEndian, 8)
	tests := []struct {
		name        string
		data        []byte
		orientation int
	}{
		{"le.jpg", jpegWithEXIF(jpg, le6), 6},
		{"be.jpg", jpegWithEXIF(jpg, be8), 8},
		{"bad.jpg", jpegWithEXIF(jpg, tiffWithOrientation(binary.BigEndian, 9)), 1},
		{"cut.jpg", jpegWithEXIF(jpg, le6[:20]), 1},
		{"plain.jpg", jpg, 1},
		{"x.webp", webpWithEXIF(4, 4, le6), 6},
		{"xp.webp", webpWithEXIF(4, 4, append([]byte(exifPrefix), be8...)), 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := probeBytes(t, tt.data, tt.name)
			exif, _ := got["exif"].(map[string]any)
			if exif["Orientation"] != tt.orientation {
				t.Errorf("exif %v, want Orientation %d", got["exif"], tt.orientation)
			}
			if _, ok := got["width"]; !ok {
				t.Errorf("no width in %v", got)
			}
		})
	}
}

func TestReadTIFF(t *testing.T) {
	for _, bo := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		data := tiffWithOrientation(bo, 3)
		if got := readTIFF(bytes.NewReader(data), int64(len(data))); got.orientation != 3 {
			t.Errorf("%v: orientation %d, want 3", bo, got.orientation)
		}
		for n := range len(data) - 1 { // every truncation but the full IFD
			cut := data[:n]
			got := readTIFF(bytes.NewReader(cut), int64(len(cut)))
			if n < 8+2+2*12 && got.orientation != 1 {
				t.Errorf("%v cut at %d: orientation %d, want 1", bo, n, got.orientation)
			}
		}
	}
}

func TestProbeMediaAndText(t *testing.T) {
	noise := []byte{0x00, 0x01, 0xfe, 0x9c, 0x00, 0x42, 0x13, 0x88}
	wavHead := append([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), make([]byte, 24)...)
	tests := []struct {
		name     string
		data     []byte
		mimetype string
		isBinary bool
	}{
		{"v.mp4", []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), "video/mp4", true},
		{"v.mkv", ebmlHeader("matroska"), "video/x-matroska", true},
		{"v.webm", ebmlHeader("webm"), "video/webm", true},
		{"v.avi", []byte("RIFF\x00\x10\x00\x00AVI LIST\x00\x00\x00\x00"), "video/x-msvideo", true},
		{"a.mp3", append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), 0xff, 0xfb, 0x90, 0x64),
			"audio/mpeg", true},
		{"a.ogg", oggVorbisHeader(), "audio/ogg", true},
		{"a.wav", wavHead, "audio/wav", true},
		{"notes.txt", []byte("hello\nworld\n"), "text/plain", false},
		{"data.json", []byte(`{"a": [1, 2, {"b": null}]}`), "application/json", false},
		{"cut.json", []byte(`{"a": [1, 2, `), "application/json", false},
		{"main.py", []byte("import os\nprint(os.name)\n"), "text/x-python", false},
		{"blob.bin", noise, "application/octet-stream", true},
		{"blob.mp4", noise, "video/mp4", true},
		{"text.jpg", []byte("not an image at all\n"), "text/plain", false},
		{"empty", nil, "text/plain", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := probeBytes(t, tt.data, tt.name)
			if got["mimetype"] != tt.mimetype || got["isBinary"] != tt.isBinary {
				t.Errorf("mimetype %v isBinary %v, want %s %v",
					got["mimetype"], got["isBinary"], tt.mimetype, tt.isBinary)
			}
			for _, k := range []string{"width", "height", "channels", "exif"} {
				if _, ok := got[k]; ok {
					t.Errorf("%s present for %s: %v", k, tt.mimetype, got)
				}
			}
			if got["size"] != int64(len(tt.data)) || got["encoding"] != "7bit" {
				t.Errorf("size %v encoding %v", got["size"], got["encoding"])
			}
		})
	}
}

// ebmlHeader returns an EBML header naming docType, as Matroska and WebM
// files start.
func ebmlHeader(docType string) []byte {
	body := append([]byte{0x42, 0x82, 0x80 | byte(len(docType))}, docType...)
	out := append([]byte{0x1a, 0x45, 0xdf, 0xa3, 0x80 | byte(len(body))}, body...)
	return out
}

// oggVorbisHeader returns the first page header of an Ogg Vorbis stream.
func oggVorbisHeader() []byte {
	page := []byte("OggS\x00\x02")
	page = append(page, make([]byte, 20)...) // granule, serial, sequence, crc
	page = append(page, 1, 30)               // one segment of 30 bytes
	page = append(page, "\x01vorbis"...)
	return append(page, make([]byte, 23)...)
}

func TestProbeCorruptImages(t *testing.T) {
	jpg := encodeJPEG(t, rgbaImage(40, 30, opaqueRed))
	png := encodePNG(t, rgbaImage(40, 30, opaqueRed))
	tests := []struct {
		name     string
		data     []byte
		mimetype string
	}{
		{"cut.jpg", jpg[:40], "image/jpeg"},
		{"cut.png", png[:20], "image/png"},
		{"badcrc.png", append(pngHeader(3, 3, 2)[:29], 0, 0, 0, 0), "image/png"},
		{"zero.png", pngHeader(0, 5, 2), "image/png"},
		{"cut.webp", webpLossless(5, 3, color.NRGBA{A: 255}, false)[:22], "image/webp"},
		{"cut.tiff", encodeTIFF(t, grayImage(3, 3))[:6], "image/tiff"},
		{"cut.bmp", encodeBMP(t, grayImage(3, 3))[:20], "image/bmp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := probeBytes(t, tt.data, tt.name)
			if got["mimetype"] != tt.mimetype || got["size"] != int64(len(tt.data)) {
				t.Errorf("mimetype %v size %v, want %s %d",
					got["mimetype"], got["size"], tt.mimetype, len(tt.data))
			}
			if _, ok := got["width"]; ok {
				t.Errorf("width recorded for a corrupt header: %v", got)
			}
		})
	}
}

// failingReader serves the first good bytes of data and fails after them.
type failingReader struct {
	data []byte
	good int64
}

var errDisk = errors.New("disk on fire")

func (f failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.good {
		return 0, errDisk
	}
	return copy(p, f.data[off:]), nil
}

func TestProbeReadError(t *testing.T) {
	big := encodeJPEG(t, grayImage(200, 200))
	for _, good := range []int64{0, 3072} {
		_, err := Probe(failingReader{big, good}, int64(len(big)), "big.jpg")
		if !errors.Is(err, errDisk) || !strings.Contains(err.Error(), "big.jpg") {
			t.Errorf("good=%d: error %v, want one wrapping %v and naming the file",
				good, err, errDisk)
		}
	}
	if _, err := Probe(bytes.NewReader(nil), -1, "x"); err == nil {
		t.Error("negative size accepted")
	}
}

func TestProbeJSONIntegers(t *testing.T) {
	got := probeBytes(t, encodePNG(t, grayImage(3, 2)), "g.png")
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"width":3`, `"height":2`, `"channels":1`, `{"Orientation":1}`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("%s lacks %s", out, want)
		}
	}
}

// shortReader answers every ReadAt with at most one byte, as io.ReaderAt
// allows only with an error; the probe must still not panic.
type shortReader struct{ data []byte }

func (s shortReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(s.data)) {
		return 0, io.EOF
	}
	return copy(p[:min(len(p), 1)], s.data[off:]), io.EOF
}

func TestProbeShortReads(t *testing.T) {
	data := encodeJPEG(t, grayImage(5, 5))
	got, err := Probe(shortReader{data}, int64(len(data)), "s.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if got["size"] != int64(len(data)) {
		t.Errorf("size %v, want %d", got["size"], len(data))
	}
}
