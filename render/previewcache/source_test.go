package previewcache

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/dlfs/dlfs/meta"
)

func TestPreviewName(t *testing.T) {
	for _, c := range []struct{ name, mt, want string }{
		{"a.jpg", "image/jpeg", "a.jpg"},
		{"a.JPEG", "image/jpeg", "a.JPEG"},
		{"a.jfif", "image/jpeg", "a.jfif"},
		{"photo", "image/jpeg", "photo.jpg"},
		{"mislabelled.png", "image/jpeg", "mislabelled.png.jpg"},
		{"b.png", "image/png", "b.png"},
		{"c.webp", "image/webp", "c.webp.png"},
		{"d.tif", "image/tiff", "d.tif.png"},
		{"e.bmp", "image/bmp", "e.bmp.png"},
		{"f.gif", "image/gif", "f.gif.png"},
	} {
		if got := PreviewName(c.name, c.mt); got != c.want {
			t.Errorf("PreviewName(%q, %q) = %q, want %q", c.name, c.mt, got, c.want)
		}
		if !slices.Contains(SourceName(c.want), c.name) {
			t.Errorf("SourceName(%q) = %q, missing %q", c.want, SourceName(c.want), c.name)
		}
	}
}

func TestRenderable(t *testing.T) {
	for mt, want := range map[string]bool{
		"image/jpeg": true, "image/png": true, "image/webp": true, "image/tiff": true,
		"image/bmp": true, "image/gif": true, "IMAGE/PNG; charset=binary": true,
		"image/svg+xml": false, "image/heic": false, "video/webm": false, "": false,
	} {
		if got := Renderable(mt); got != want {
			t.Errorf("Renderable(%q) = %v, want %v", mt, got, want)
		}
	}
}

func TestSourceOf(t *testing.T) {
	item := func(typ, mt string, exif any) *meta.Record {
		sys := map[string]any{"mimetype": mt, "size": json.Number("10")}
		if exif != nil {
			sys["exif"] = exif
		}
		return &meta.Record{Blob: "k", Item: &meta.Item{ID: "i", Filename: "/x/a.jpg", Name: "b",
			Type: typ, Metadata: map[string]any{"system": sys}}}
	}
	src, _, ok := SourceOf(item("file", "image/jpeg",
		map[string]any{"Orientation": json.Number("8")}), []byte("[]"))
	if !ok || src.Orientation != 8 || src.Name != "a.jpg" || src.Size != 10 || src.Blob != "k" {
		t.Errorf("jpeg item: %+v, %v", src, ok)
	}
	src, _, _ = SourceOf(item("file", "image/jpeg", map[string]any{"Orientation": 12.0}), nil)
	if src.Orientation != 1 {
		t.Errorf("orientation 12 read as %d, want 1", src.Orientation)
	}
	if _, mt, ok := SourceOf(item("file", "video/mp4", nil), nil); ok || mt != "video/mp4" {
		t.Errorf("video: %v %q", ok, mt)
	}
	if _, _, ok := SourceOf(item("dir", "image/png", nil), nil); ok {
		t.Error("a folder item has a preview")
	}
	noBlob := item("file", "image/png", nil)
	noBlob.Blob = ""
	if _, _, ok := SourceOf(noBlob, nil); ok {
		t.Error("an item without bytes has a preview")
	}
}

// TestKeyParts changes each part of a source in turn: every change gives
// another key, and the same parts give the same key.
func TestKeyParts(t *testing.T) {
	base := Source{Blob: "b", Size: 5, Mimetype: "image/png", Orientation: 1,
		Annotations: []byte(`[{"label":"cat"}]`)}
	variants := []func(s *Source){
		func(s *Source) { s.Blob = "c" },
		func(s *Source) { s.Size = 6 },
		func(s *Source) { s.Mimetype = "image/jpeg" },
		func(s *Source) { s.Orientation = 6 },
		func(s *Source) { s.Annotations = []byte(`[{"label":"dog"}]`) },
	}
	seen := map[string]bool{base.Key(): true}
	for i, change := range variants {
		s := base
		change(&s)
		if seen[s.Key()] {
			t.Errorf("change %d kept a key already seen", i)
		}
		seen[s.Key()] = true
	}
	same := base
	same.ItemID, same.Name = "other", "other.png"
	if same.Key() != base.Key() {
		t.Error("the item's id or name changed the key; the picture does not depend on them")
	}
	if !validKey(base.Key()) {
		t.Errorf("key %q is not 64 hex digits", base.Key())
	}
}
