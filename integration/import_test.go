package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// testImage returns a w×h RGB picture.
func testImage(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	return img
}

// tinyWebP is a 2×3 lossless WebP, written by hand: RIFF header, VP8L
// chunk with signature 0x2f, 14-bit width-1 and height-1, alpha 0, version
// 0, then a minimal image stream (no transforms, a single green colour).
var tinyWebP = func() []byte {
	// The image data below was produced by a lossless encoder for a 2×3
	// opaque image; only the header fields matter to the probe.
	vp8l := []byte{0x2f, 0x01, 0x80, 0x00, 0x00, 0x47, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0x00}
	var b bytes.Buffer
	chunk := append([]byte("VP8L"), le32(len(vp8l))...)
	chunk = append(chunk, vp8l...)
	if len(vp8l)%2 == 1 {
		chunk = append(chunk, 0)
	}
	b.WriteString("RIFF")
	b.Write(le32(4 + len(chunk)))
	b.WriteString("WEBP")
	b.Write(chunk)
	return b.Bytes()
}()

func le32(n int) []byte { return []byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)} }

func TestPlainFolderImportReadsEveryImageFormat(t *testing.T) {
	requireFUSE(t)
	requireTool(t, "getfattr")
	src := t.TempDir()
	type want struct {
		w, h int
		mime string
	}
	cases := map[string]want{}
	write := func(name string, data []byte, w want) {
		p := filepath.Join(src, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cases[name] = w
	}
	enc := func(f func(*bytes.Buffer, image.Image) error, w, h int) []byte {
		var b bytes.Buffer
		if err := f(&b, testImage(w, h)); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	jpg := func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }
	pngE := func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }
	tif := func(b *bytes.Buffer, m image.Image) error { return tiff.Encode(b, m, nil) }
	bmpE := func(b *bytes.Buffer, m image.Image) error { return bmp.Encode(b, m) }

	write("photos/a.jpeg", enc(jpg, 31, 17), want{31, 17, "image/jpeg"})
	write("photos/b.jpg", enc(jpg, 40, 22), want{40, 22, "image/jpeg"})
	write("photos/c.jfif", enc(jpg, 12, 9), want{12, 9, "image/jpeg"})
	write("scans/d.png", enc(pngE, 33, 44), want{33, 44, "image/png"})
	write("scans/e.tiff", enc(tif, 21, 13), want{21, 13, "image/tiff"})
	write("scans/f.tif", enc(tif, 7, 5), want{7, 5, "image/tiff"})
	write("scans/g.bmp", enc(bmpE, 19, 23), want{19, 23, "image/bmp"})
	write("web/h.webp", tinyWebP, want{2, 3, "image/webp"})
	write("notes/readme.txt", []byte("hello\n"), want{0, 0, "text/plain"})

	s := newStore(t)
	s.MustRun("import", "--dataset", "plain", src)
	m := s.Mount("--dataset", "plain")
	for name, w := range cases {
		p := filepath.Join(m.Dir, filepath.FromSlash(name))
		sh(t, "cmp", p, filepath.Join(src, filepath.FromSlash(name)))
		if got := getfattr(t, p, "user.dl.metadata.system.mimetype"); got != w.mime {
			t.Errorf("%s: mimetype %q, want %q", name, got, w.mime)
		}
		if w.w == 0 {
			continue
		}
		gw := getfattr(t, p, "user.dl.metadata.system.width")
		gh := getfattr(t, p, "user.dl.metadata.system.height")
		if gw != fmt.Sprint(w.w) || gh != fmt.Sprint(w.h) {
			t.Errorf("%s: %sx%s, want %dx%d", name, gw, gh, w.w, w.h)
		}
	}
	// Re-running the import changes nothing.
	m.Stop()
	out := s.MustRun("import", "--dataset", "plain", src)
	if !strings.Contains(out, "0 items stored") || !strings.Contains(out, "9 unchanged") {
		t.Errorf("second import: %q, want everything unchanged", out)
	}
}

// badExport writes a Dataloop export holding one good item and the given
// bad JSON files (name -> content); binaries is the set of files in items/.
func badExport(t *testing.T, jsons map[string]string, binaries map[string]string) string {
	t.Helper()
	src := t.TempDir()
	for name, body := range jsons {
		p := filepath.Join(src, "json", name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	for name, body := range binaries {
		p := filepath.Join(src, "items", name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	return src
}

func itemJSON(id, filename string, size int, anns string) string {
	fn, _ := json.Marshal(filename)
	return fmt.Sprintf(`{"id": %q, "filename": %s, "type": "file", "metadata": {"system": `+
		`{"size": %d, "mimetype": "text/plain"}}, "annotations": %s}`, id, fn, size, anns)
}

func TestBadExportInputsAreReportedAndStoreNothing(t *testing.T) {
	good := itemJSON("aaaaaaaaaaaaaaaaaaaaaaaa", "/good.txt", 5, `[{"type": "class", "label": "ok"}]`)
	cases := []struct {
		name     string
		json     string
		binaries map[string]string
		reason   string
	}{
		{"malformed", `{"id": "bbbbbbbbbbbbbbbbbbbbbbbb", "filename": "/x.txt",,}`, nil, "malformed JSON at line 1"},
		{"dotdot", itemJSON("bbbbbbbbbbbbbbbbbbbbbbbb", "/a/../../etc/passwd", 1, "[]"), nil, `holds ".."`},
		{"nul", itemJSON("bbbbbbbbbbbbbbbbbbbbbbbb", "/a\u0000b.txt", 1, "[]"), nil, "NUL"},
		{"relative", itemJSON("bbbbbbbbbbbbbbbbbbbbbbbb", "x.txt", 1, "[]"), nil, "does not start with /"},
		{"nobinary", itemJSON("bbbbbbbbbbbbbbbbbbbbbbbb", "/missing.txt", 1, "[]"), nil, "no binary"},
		{"size", itemJSON("bbbbbbbbbbbbbbbbbbbbbbbb", "/short.txt", 99, "[]"),
			map[string]string{"short.txt": "abc"}, "metadata.system.size is 99 but"},
		{"annotation without type", itemJSON("bbbbbbbbbbbbbbbbbbbbbbbb", "/t.txt", 1, `[{"label": "x"}]`),
			map[string]string{"t.txt": "z"}, "annotations[0]: no type"},
	}
	s := newStore(t)
	first := badExport(t, map[string]string{"good.json": good}, map[string]string{"good.txt": "hello"})
	s.MustRun("import", "--dataset", "d", first)
	before := dumpDataset(t, s, "d")

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bins := map[string]string{"good.txt": "HELLO"}
			for k, v := range c.binaries {
				bins[k] = v
			}
			src := badExport(t, map[string]string{"bad.json": c.json}, bins)
			_, errOut, code := s.Run("import", "--dataset", "d", src)
			if code != 2 {
				t.Errorf("exit status %d, want 2 (some inputs refused)", code)
			}
			badFile := filepath.Join(src, "json", "bad.json")
			if !strings.Contains(errOut, badFile) || !strings.Contains(errOut, c.reason) {
				t.Errorf("message %q does not name %s and %q", errOut, badFile, c.reason)
			}
			// good.json is absent from this export: nothing else changed.
			if after := dumpDataset(t, s, "d"); after != before {
				t.Errorf("the catalog changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// dumpDataset returns every item of the dataset, with annotations, as
// `dlfs show` prints them: what a user can see of the catalog.
func dumpDataset(t *testing.T, s *Store, name string) string {
	t.Helper()
	out := s.MustRun("show", "--dataset", name, "--annotations", "/good.txt")
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	ds := s.MustRun("datasets")
	return ds + out
}
