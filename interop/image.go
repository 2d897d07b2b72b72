package interop

import (
	"path"
	"sort"
	"strings"
)

// Image is what a converter knows of one item.
type Image struct {
	// Path is the item's filename with its leading slash, e.g. "/sub/a.jpg".
	Path string
	// Width and Height are the stored pixel size; 0 when unknown.
	Width, Height int
	// Orientation is the EXIF orientation 1..8; 0 means unknown, read as 1.
	Orientation int
	// Annotations are the item's Dataloop annotations, used by the writers.
	Annotations []map[string]any
}

// DisplaySize returns the size the image is shown at: the stored size, with
// width and height swapped for EXIF orientations 5 to 8 (the rotations by a
// quarter turn). Annotation coordinates are relative to this size.
func (im Image) DisplaySize() (width, height int) {
	if im.Orientation >= 5 && im.Orientation <= 8 {
		return im.Height, im.Width
	}
	return im.Width, im.Height
}

// Problem is one mismatch found while converting annotations; the
// annotation it names was skipped and the rest converted.
type Problem struct {
	// File is the foreign file read (or, when writing, the item path).
	File string
	// Position locates the mismatch in File: "annotations[12]", "line 3",
	// "object[2]"; empty when the whole file is concerned.
	Position string
	// Reason says what is wrong, lowercase.
	Reason string
}

// String formats the problem as "file: position: reason".
func (p Problem) String() string {
	if p.Position == "" {
		return p.File + ": " + p.Reason
	}
	return p.File + ": " + p.Position + ": " + p.Reason
}

// sidecarPath returns the relative path of the file that holds an item's
// annotations in a one-file-per-item format: the item path without its
// leading slash and with its extension replaced by ext ("/sub/a.jpg" with
// ".txt" gives "sub/a.txt"). A dot file (".env") has no extension to drop.
func sidecarPath(itemPath, ext string) string {
	rel := strings.TrimPrefix(itemPath, "/")
	if old := path.Ext(rel); old != path.Base(rel) {
		rel = strings.TrimSuffix(rel, old)
	}
	return rel + ext
}

// sidecarIndex maps each sidecar path to the item paths that use it; more
// than one means the items differ only by extension.
func sidecarIndex(images map[string]Image, ext string) map[string][]string {
	idx := make(map[string][]string, len(images))
	for p := range images {
		sc := sidecarPath(p, ext)
		idx[sc] = append(idx[sc], p)
	}
	for _, ps := range idx {
		sort.Strings(ps)
	}
	return idx
}

// sortedImages returns the images ordered by path, so that writers give the
// same output for the same input.
func sortedImages(images []Image) []Image {
	out := append([]Image(nil), images...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// sortedLabels returns the distinct labels in byte order.
func sortedLabels(seen map[string]bool) []string {
	labels := make([]string, 0, len(seen))
	for l := range seen {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	return labels
}
