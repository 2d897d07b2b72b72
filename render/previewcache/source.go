package previewcache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"path"
	"strings"

	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/render"
)

// RendererVersion is part of every key. Raise it whenever package render
// draws differently, so that previews made by the old code are not served
// (they age out of the cache).
const RendererVersion = 2

// renderable lists the image types package render decodes.
var renderable = map[string]bool{
	"image/jpeg": true, "image/jpg": true, "image/pjpeg": true, "image/png": true,
	"image/webp": true, "image/tiff": true, "image/bmp": true, "image/x-ms-bmp": true,
	"image/gif": true,
}

// Source is what one item's preview is made of.
type Source struct {
	ItemID      string
	Name        string // the last element of the item's filename
	Blob        string // the blob key of the item's bytes
	Size        int64  // the item's length in bytes
	Mimetype    string // metadata.system.mimetype
	Orientation int    // metadata.system.exif.Orientation, 1 when absent
	Annotations []byte // the item's annotations JSON (its sidecar)

	key string // Key, computed by SourceOf
}

// SourceOf reads the preview source of item record rec whose annotations
// JSON is sidecar. It answers false, and the item's MIME type, for an item
// that has no preview: not a file, or not an image type render decodes.
func SourceOf(rec *meta.Record, sidecar []byte) (Source, string, bool) {
	it := rec.Item
	sys, _ := it.Metadata["system"].(map[string]any)
	mt, _ := sys["mimetype"].(string)
	if it.Type == meta.TypeDir || rec.Blob == "" || !Renderable(mt) {
		return Source{}, mt, false
	}
	src := Source{ItemID: it.ID, Blob: rec.Blob, Size: it.Size(),
		Mimetype: mt, Orientation: 1, Annotations: sidecar}
	_, src.Name = meta.SplitPath(it.Filename) // the item's "name" field may differ
	exif, _ := sys["exif"].(map[string]any)
	if o, ok := intOf(exif["Orientation"]); ok && o >= 1 && o <= 8 {
		src.Orientation = o
	}
	src.key = src.makeKey()
	return src, mt, true
}

// Renderable reports whether render draws on images of MIME type mt.
func Renderable(mt string) bool {
	mt, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(mt)), ";")
	return renderable[mt]
}

// Format returns the preview's format, render.FormatJPEG or FormatPNG.
func (s *Source) Format() string { return render.FormatFor(s.Mimetype) }

// Key returns the cache key of the preview: a hash of everything the
// rendering depends on.
func (s *Source) Key() string {
	if s.key != "" {
		return s.key
	}
	return s.makeKey()
}

// makeKey computes Key.
func (s *Source) makeKey() string {
	anns := sha256.Sum256(s.Annotations)
	h := sha256.New()
	var num [8]byte
	for _, part := range []string{"dlfs-preview", s.Blob, s.Format()} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	for _, n := range []int64{RendererVersion, s.Size, int64(s.Orientation)} {
		binary.LittleEndian.PutUint64(num[:], uint64(n))
		h.Write(num[:])
	}
	h.Write(anns[:])
	return hex.EncodeToString(h.Sum(nil))
}

// PreviewName returns the preview's file name (see PreviewName).
func (s *Source) PreviewName() string { return PreviewName(s.Name, s.Mimetype) }

// PreviewName returns the name under which the preview of an image called
// name, of MIME type mt, is shown: the name itself when its extension
// already says the preview's format (.jpg, .jpeg, .jpe or .jfif for a JPEG,
// .png for anything else), else the name with ".jpg" or ".png" added, so
// that viewers which go by the extension read the preview right
// ("a.webp" is shown as "a.webp.png").
func PreviewName(name, mt string) string {
	ext := strings.ToLower(path.Ext(name))
	if render.FormatFor(mt) == render.FormatJPEG {
		switch ext {
		case ".jpg", ".jpeg", ".jpe", ".jfif":
			return name
		}
		return name + ".jpg"
	}
	if ext == ".png" {
		return name
	}
	return name + ".png"
}

// SourceName returns the item names whose preview may be called name: name
// itself, and name without an added ".jpg" or ".png". The caller checks
// which item's PreviewName matches.
func SourceName(name string) []string {
	out := []string{name}
	for _, ext := range []string{".png", ".jpg"} {
		if base, ok := strings.CutSuffix(name, ext); ok && base != "" {
			out = append(out, base)
		}
	}
	return out
}

// intOf reads a JSON number kept as json.Number, float64 or int.
func intOf(v any) (int, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	case float64:
		return int(n), n == float64(int(n))
	case int:
		return n, true
	case int64:
		return int(n), true
	}
	return 0, false
}
