package ingest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/meta"
)

// fakeBucket is an objectLister over objects in memory that counts what
// is read of them.
type fakeBucket struct {
	blob.Store // not called
	objects    map[string][]byte
	headers    atomic.Int64 // ReadHeader calls
	opened     atomic.Int64 // Open calls: reads past the header
}

func (b *fakeBucket) List(_ context.Context, prefix string,
	fn func(name string, size int64) error) error {
	var names []string
	for n := range b.objects {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if err := fn(n, int64(len(b.objects[n]))); err != nil {
			return err
		}
	}
	return nil
}

func (b *fakeBucket) data(key string) ([]byte, error) {
	d, ok := b.objects[strings.TrimPrefix(key, "obj/")]
	if !ok || !strings.HasPrefix(key, "obj/") {
		return nil, fmt.Errorf("%s: %w", key, blob.ErrNotFound)
	}
	return d, nil
}

func (b *fakeBucket) ReadHeader(_ context.Context, key string, n int) ([]byte, error) {
	b.headers.Add(1)
	d, err := b.data(key)
	return d[:min(n, len(d))], err
}

type bytesReader struct{ *bytes.Reader }

func (bytesReader) Close() error { return nil }

func (b *fakeBucket) Open(_ context.Context, key string) (blob.Reader, error) {
	b.opened.Add(1)
	d, err := b.data(key)
	if err != nil {
		return nil, err
	}
	return bytesReader{bytes.NewReader(d)}, nil
}

func encodePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// jpegWithBigAPP is a JPEG whose frame header lies past probeHeader,
// behind an application segment of padding.
func jpegWithBigAPP(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	enc := buf.Bytes()
	var out []byte
	out = append(out, enc[:2]...) // SOI
	for range 2 {                 // two APP9 segments of 60000 bytes each
		out = append(out, 0xFF, 0xE9, byte(60002>>8), byte(60002&0xFF))
		out = append(out, make([]byte, 60000)...)
	}
	return append(out, enc[2:]...)
}

func TestImportObjects(t *testing.T) {
	dir := t.TempDir()
	cat, err := meta.Open(filepath.Join(dir, "store"), meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	ds, err := cat.CreateDataset("raw", "link:s3://bucket/raw")
	if err != nil {
		t.Fatal(err)
	}
	bucket := &fakeBucket{objects: map[string][]byte{
		"raw/a.png":       encodePNG(t, 40, 30),
		"raw/sub/b.txt":   []byte("plain text\n"),
		"raw/far/c.jpg":   jpegWithBigAPP(t, 17, 9),
		"rawer/other.txt": []byte("outside the prefix"),
	}}
	im := New(cat, ds, bucket, Options{Workers: 2})
	res, err := im.ImportObjects(context.Background(), "/raw/")
	if err != nil {
		t.Fatal(err)
	}
	if res.Items != 3 || len(res.Problems) != 0 {
		t.Fatalf("imported %d items, problems %v; want 3, none", res.Items, res.Problems)
	}
	for _, c := range []struct {
		path, mime string
		w, h       int
	}{{"/a.png", "image/png", 40, 30}, {"/sub/b.txt", "text/plain", 0, 0},
		{"/far/c.jpg", "image/jpeg", 17, 9}} {
		rec, err := cat.ItemByPath(ds, c.path)
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		sys := rec.Item.System()
		name := strings.TrimPrefix(rec.Blob, "obj/")
		if rec.Blob != "obj/raw"+c.path || rec.Item.Size() != int64(len(bucket.objects[name])) {
			t.Errorf("%s: blob %q size %d", c.path, rec.Blob, rec.Item.Size())
		}
		if sys["mimetype"] != c.mime {
			t.Errorf("%s: mimetype %v, want %s", c.path, sys["mimetype"], c.mime)
		}
		if c.w > 0 && (fmt.Sprint(sys["width"]) != fmt.Sprint(c.w) ||
			fmt.Sprint(sys["height"]) != fmt.Sprint(c.h)) {
			t.Errorf("%s: %vx%v, want %dx%d", c.path, sys["width"], sys["height"], c.w, c.h)
		}
	}
	if bucket.headers.Load() != 3 || bucket.opened.Load() != 1 {
		t.Errorf("%d header reads and %d opens, want 3 and 1 (the JPEG past its header)",
			bucket.headers.Load(), bucket.opened.Load())
	}

	res, err = im.ImportObjects(context.Background(), "raw")
	if err != nil || res.Unchanged != 3 || res.Items != 0 || bucket.headers.Load() != 3 {
		t.Errorf("second import: %+v, %v, %d header reads; want 3 unchanged, none read",
			res, err, bucket.headers.Load())
	}
	bucket.objects["raw/sub/b.txt"] = []byte("longer plain text now\n")
	res, err = im.ImportObjects(context.Background(), "raw")
	if err != nil || res.Items != 1 || res.Unchanged != 2 {
		t.Errorf("import after a change: %+v, %v; want 1 stored, 2 unchanged", res, err)
	}
	if _, err := New(cat, ds, nil, Options{}).ImportObjects(context.Background(), ""); err == nil {
		t.Error("an import of objects from no object store went ahead")
	}
}
