package previewcache

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/local"
	"github.com/dlfs/dlfs/ingest"
	"github.com/dlfs/dlfs/internal/fixtures"
	"github.com/dlfs/dlfs/meta"
)

func fixtureExport(t *testing.T) string { return fixtures.Path(t, "dataloop-export") }

// world is a temporary store with the fixture export imported.
type world struct {
	cat   *meta.Catalog
	ds    *meta.Dataset
	store blob.Store
	prev  *Previewer
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	cat, err := meta.Open(dir, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	ds, err := cat.CreateDataset("fixture", "local")
	if err != nil {
		t.Fatal(err)
	}
	store, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ingest.New(cat, ds, store, ingest.Options{}).Import(context.Background(),
		fixtureExport(t))
	if err != nil || len(res.Problems) > 0 {
		t.Fatalf("import the fixture export: %v %v", err, res)
	}
	cache, err := Open(filepath.Join(dir, "previews"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	blobs := func(context.Context, *meta.Dataset) (blob.Store, error) { return store, nil }
	return &world{cat: cat, ds: ds, store: store, prev: NewPreviewer(cat, cache, blobs, nil)}
}

// source returns the preview source of the item at path.
func (w *world) source(t *testing.T, path string) Source {
	t.Helper()
	d, err := w.cat.Stat(w.ds, path)
	if err != nil {
		t.Fatal(err)
	}
	src, ok, err := w.prev.SourceFor(w.ds, &d)
	if err != nil || !ok {
		t.Fatalf("%s: source %v, %v", path, ok, err)
	}
	return src
}

// preview renders the item at path and decodes the preview.
func (w *world) preview(t *testing.T, path string) (image.Image, string, Entry) {
	t.Helper()
	src := w.source(t, path)
	ent, err := w.prev.Preview(context.Background(), w.ds, &src)
	if err != nil {
		t.Fatalf("preview %s: %v", path, err)
	}
	data, err := os.ReadFile(ent.Path)
	if err != nil {
		t.Fatal(err)
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode the preview of %s: %v", path, err)
	}
	return img, format, ent
}

// putItem stores data as an image item at path with the given system
// metadata and annotations.
func (w *world) putItem(t *testing.T, path string, data []byte, sys map[string]any,
	anns []meta.Annotation) {
	t.Helper()
	ref, err := w.store.Put(context.Background(), bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	sys["size"] = json.Number(strconv.Itoa(len(data)))
	it := &meta.Item{ID: meta.NewID(), Filename: path, Type: meta.TypeFile,
		CreatedAt: meta.Now(), Metadata: map[string]any{"system": sys}}
	err = w.cat.Update(func(tx *meta.Tx) error {
		return tx.PutItem(w.ds, &meta.Record{Item: it, Blob: ref.Key}, anns)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// setAnnotations replaces the annotations of the item at path.
func (w *world) setAnnotations(t *testing.T, path string, anns []meta.Annotation) {
	t.Helper()
	rec, err := w.cat.ItemByPath(w.ds, path)
	if err != nil {
		t.Fatal(err)
	}
	err = w.cat.Update(func(tx *meta.Tx) error { return tx.PutItem(w.ds, rec, anns) })
	if err != nil {
		t.Fatal(err)
	}
}

// exportAnnotations reads the annotations of a fixture item JSON.
func exportAnnotations(t *testing.T, name string) []meta.Annotation {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureExport(t), "json", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := meta.DecodeObject(data)
	if err != nil {
		t.Fatal(err)
	}
	var out []meta.Annotation
	for _, a := range obj["annotations"].([]any) {
		out = append(out, meta.Annotation(a.(map[string]any)))
	}
	return out
}

// num reads a JSON number.
func num(t *testing.T, v any) float64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v is not a number", v)
	}
	f, err := n.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// rgb returns the colour at (x, y) with 8 bits a channel.
func rgb(img image.Image, x, y int) color.RGBA {
	r, g, b, _ := img.At(x, y).RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}
}

// dist is the largest channel difference between two colours.
func dist(a, b color.RGBA) int {
	d := 0
	for _, p := range [][2]uint8{{a.R, b.R}, {a.G, b.G}, {a.B, b.B}} {
		d = max(d, abs(int(p[0])-int(p[1])))
	}
	return d
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
