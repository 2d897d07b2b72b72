package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// previewItems returns the image items of the fixture export (path ->
// item), read from its JSON.
func previewItems(t *testing.T, src string) map[string]exportItem {
	t.Helper()
	out := map[string]exportItem{}
	for _, it := range readExport(t, src) {
		if mt, _ := it.system()["mimetype"].(string); strings.HasPrefix(mt, "image/") {
			out[it.str("filename")] = it
		}
	}
	if len(out) == 0 {
		t.Fatal("the fixture export has no images")
	}
	return out
}

// cacheFiles lists the preview cache of a store, name -> modification time.
func cacheFiles(t *testing.T, s *Store) map[string]time.Time {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(s.Dir, "previews"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]time.Time{}
	for _, de := range des {
		fi, err := de.Info()
		if err != nil {
			t.Fatal(err)
		}
		out[de.Name()] = fi.ModTime()
	}
	return out
}

// TestPreviewThroughMount reads every preview of the fixture export with
// real tools: `file` says it is a JPEG of the original's size, stat gives
// the length read, the second reading renders nothing, and new annotations
// give a new picture.
func TestPreviewThroughMount(t *testing.T) {
	requireFUSE(t)
	requireTool(t, "file")
	s := newStore(t)
	src := importFixture(t, s, "fruits")
	images := previewItems(t, src)
	m := s.Mount("--dataset", "fruits")
	root := filepath.Join(m.Dir, ".dlfs", "preview")

	// The top folder lists the folder and the images, not the video.
	var want []string
	for fn := range images {
		if dir, name := filepath.Split(fn); dir == "/" {
			want = append(want, name)
		}
	}
	want = append(want, "sub")
	slices.Sort(want)
	got := strings.Fields(sh(t, "ls", root))
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("ls preview/: %v, want %v", got, want)
	}

	first := time.Now()
	content := map[string][]byte{}
	for fn, it := range images {
		p := filepath.Join(root, fn)
		sys := it.system()
		dims := fmt.Sprintf("%vx%v", sys["width"], sys["height"])
		if out := sh(t, "file", "-b", p); !strings.Contains(out, "JPEG image data") ||
			!strings.Contains(out, dims) {
			t.Errorf("file %s: %q, want a JPEG of %s", fn, out, dims)
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() != int64(len(data)) || fi.Mode().Perm() != 0o444 {
			t.Errorf("%s: stat size %d mode %v, read %d bytes", fn, fi.Size(), fi.Mode(), len(data))
		}
		content[fn] = data
	}
	firstTook := time.Since(first)

	// The second reading serves the cached files: nothing is rendered again.
	cached := cacheFiles(t, s)
	if len(cached) != len(images) {
		t.Errorf("%d previews cached, want %d", len(cached), len(images))
	}
	second := time.Now()
	for fn, data := range content {
		again, err := os.ReadFile(filepath.Join(root, fn))
		if err != nil || !bytes.Equal(again, data) {
			t.Errorf("%s: second read differs (%v)", fn, err)
		}
	}
	secondTook := time.Since(second)
	t.Logf("first reading of %d previews %v, second %v", len(images), firstTook, secondTook)
	if now := cacheFiles(t, s); !maps.EqualFunc(now, cached, time.Time.Equal) {
		t.Errorf("the second reading changed the cache: %v -> %v", cached, now)
	}
	if secondTook > firstTook {
		t.Errorf("second reading %v slower than the first %v", secondTook, firstTook)
	}

	checkAnnotationChange(t, s, m, root, content)
}

// checkAnnotationChange writes new annotations through the sidecar: after
// the attribute timeout the preview has another content and its stat
// follows; it is still a JPEG.
func checkAnnotationChange(t *testing.T, s *Store, m *Mount, root string,
	content map[string][]byte) {
	t.Helper()
	const fn = "/sub/000000000049.jpg"
	sidecar := filepath.Join(m.Dir, fn+".annotations.json")
	var anns []map[string]any
	if err := json.Unmarshal([]byte(sh(t, "cat", sidecar)), &anns); err != nil || len(anns) < 2 {
		t.Fatalf("annotations of %s: %d, %v", fn, len(anns), err)
	}
	newJSON, _ := json.Marshal(anns[:1])
	if err := os.WriteFile(sidecar, newJSON, 0o644); err != nil {
		t.Fatalf("write the sidecar: %v\n%s", err, m.Log())
	}
	time.Sleep(1100 * time.Millisecond) // the kernel's attribute timeout

	p := filepath.Join(root, fn)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(data, content[fn]) {
		t.Error("the preview did not change with the annotations")
	}
	if fi.Size() != int64(len(data)) {
		t.Errorf("after the change: stat size %d, read %d", fi.Size(), len(data))
	}
	if out := sh(t, "file", "-b", p); !strings.Contains(out, "JPEG image data") {
		t.Errorf("file after the change: %q", out)
	}
	if n := len(cacheFiles(t, s)); n != len(content)+1 {
		t.Errorf("%d previews cached after the change, want %d", n, len(content)+1)
	}
	content[fn] = data
}

// TestRenderCommand renders one item without a mount, then fills the
// cache: the single rendering equals the mount's preview, --all counts the
// export's images.
func TestRenderCommand(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	src := importFixture(t, s, "fruits")
	images := previewItems(t, src)

	out := filepath.Join(t.TempDir(), "49.jpg")
	s.MustRun("render", "--dataset", "fruits", "/sub/000000000049.jpg", "-o", out)
	rendered, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	asPNG := filepath.Join(t.TempDir(), "49.png")
	s.MustRun("render", "--dataset", "fruits", "/sub/000000000049.jpg", "-o", asPNG)
	if data, err := os.ReadFile(asPNG); err != nil || !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Errorf("-o 49.png did not write a PNG (%v)", err)
	}
	if _, _, code := s.Run("render", "--dataset", "fruits",
		"/2021_04_23_10_39_21_Cache_Trim_Cropped.webm", "-o", out+".x"); code == 0 {
		t.Error("rendering a video succeeded")
	}

	report := s.MustRun("render", "--dataset", "fruits", "--all")
	wantCounts := fmt.Sprintf("%d images, %d rendered, 1 already cached", len(images),
		len(images)-1)
	if !strings.Contains(report, wantCounts) {
		t.Errorf("render --all: %q, want %q", report, wantCounts)
	}
	if n := len(cacheFiles(t, s)); n != len(images) {
		t.Errorf("%d previews cached, want %d", n, len(images))
	}

	m := s.Mount("--dataset", "fruits", "--read-only")
	before := cacheFiles(t, s)
	shown, err := os.ReadFile(filepath.Join(m.Dir, ".dlfs", "preview", "sub", "000000000049.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shown, rendered) {
		t.Error("dlfs render and the mount's preview differ")
	}
	sh(t, "ls", "-lR", filepath.Join(m.Dir, ".dlfs", "preview"))
	if after := cacheFiles(t, s); !maps.EqualFunc(before, after, time.Time.Equal) {
		t.Error("listing a filled cache rendered again")
	}
}
