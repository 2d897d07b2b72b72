package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
)

// cocoFile is the part of a COCO instances file the converters use.
// Annotations stay raw so that one malformed entry is a Problem, not a
// failure of the whole file.
type cocoFile struct {
	Info        map[string]any    `json:"info,omitempty"`
	Licenses    []any             `json:"licenses"`
	Images      []cocoImage       `json:"images"`
	Annotations []json.RawMessage `json:"annotations"`
	Categories  []cocoCategory    `json:"categories"`
}

// cocoImage is one entry of images[].
type cocoImage struct {
	ID       json.Number `json:"id"`
	FileName string      `json:"file_name"`
	Width    int         `json:"width"`
	Height   int         `json:"height"`
}

// cocoCategory is one entry of categories[].
type cocoCategory struct {
	ID            json.Number `json:"id"`
	Name          string      `json:"name"`
	Supercategory string      `json:"supercategory,omitempty"`
}

// cocoAnnotation is one entry of annotations[]. Segmentation is a list of
// polygons ([[x0,y0,x1,y1,...], ...]) or an RLE object.
type cocoAnnotation struct {
	ID           json.Number     `json:"id"`
	ImageID      json.Number     `json:"image_id"`
	CategoryID   json.Number     `json:"category_id"`
	BBox         []float64       `json:"bbox"`
	Segmentation json.RawMessage `json:"segmentation,omitempty"`
	Area         float64         `json:"area"`
	IsCrowd      int             `json:"iscrowd"`
}

// cocoRLE is an RLE segmentation; Counts is a list of runs or the
// compressed string.
type cocoRLE struct {
	Counts json.RawMessage `json:"counts"`
	Size   []int           `json:"size"` // [height, width]
}

// COCOMetadataKey is the key under an imported annotation's metadata that
// keeps its COCO origin: metadata.coco.id is the COCO annotation id, which
// WriteCOCO gives back.
const COCOMetadataKey = "coco"

// COCOShapes chooses which shape ReadCOCO makes of a COCO annotation.
type COCOShapes int

const (
	// COCOSegments (the default) makes a segment of each polygon ring and a
	// binary mask of an RLE segmentation; only an annotation without
	// segmentation becomes a box.
	COCOSegments COCOShapes = iota
	// COCOBoxes makes a box of every annotation's bbox and ignores the
	// segmentation.
	COCOBoxes
)

// COCOOptions tunes ReadCOCO; the zero value is the default.
type COCOOptions struct {
	Shapes COCOShapes
}

// cocoReader holds the state of one ReadCOCO call.
type cocoReader struct {
	file     string
	opts     COCOOptions
	images   map[string]Image
	items    map[string]string // COCO image id -> item path
	listed   map[string]bool   // COCO image ids in images[], matched or not
	labels   map[string]string // COCO category id -> label
	out      map[string][]map[string]any
	problems []Problem
}

// ReadCOCO reads a COCO instances file and returns Dataloop annotations by
// item path, with the Problems met. file names the stream in Problems.
//
// An image's file_name is the item path without its leading slash; when no
// item has that path, the item with the same base name is taken if there is
// exactly one. Category names become labels. Each annotation keeps its COCO
// id in metadata.coco.id. With the default options a polygon segmentation
// becomes one segment per ring (Dataloop polygons have a single ring; the
// rings of one object share the COCO id and WriteCOCO joins them again), an
// RLE segmentation (iscrowd 1) a binary mask of the image size, and an
// annotation without segmentation a box from its bbox.
func ReadCOCO(r io.Reader, file string, images map[string]Image, opts COCOOptions,
) (map[string][]map[string]any, []Problem, error) {
	var cf cocoFile
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&cf); err != nil {
		return nil, nil, fmt.Errorf("read coco %s: %w", file, err)
	}

	cr := &cocoReader{
		file: file, opts: opts, images: images,
		items:  map[string]string{},
		listed: map[string]bool{},
		labels: map[string]string{},
		out:    map[string][]map[string]any{},
	}
	anns := make([]cocoAnnotation, len(cf.Annotations))
	errs := make([]error, len(cf.Annotations))
	perImage := map[string]int{}
	for i, raw := range cf.Annotations {
		if anns[i], errs[i] = decodeCOCOAnnotation(raw); errs[i] == nil {
			perImage[anns[i].ImageID.String()]++
		}
	}

	cr.readCategories(cf.Categories)
	cr.matchImages(cf.Images, perImage)
	for i := range anns {
		pos := fmt.Sprintf("annotations[%d]", i)
		if errs[i] != nil {
			cr.problem(pos, "malformed annotation: %v", errs[i])
			continue
		}
		cr.readAnnotation(pos, anns[i])
	}
	return cr.out, cr.problems, nil
}

// decodeCOCOAnnotation decodes one annotations[] entry, numbers kept exact.
func decodeCOCOAnnotation(raw json.RawMessage) (cocoAnnotation, error) {
	var a cocoAnnotation
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	err := dec.Decode(&a)
	return a, err
}

// problem records a Problem at pos.
func (cr *cocoReader) problem(pos, format string, args ...any) {
	cr.problems = append(cr.problems, Problem{cr.file, pos, fmt.Sprintf(format, args...)})
}

// readCategories maps category ids to labels.
func (cr *cocoReader) readCategories(cats []cocoCategory) {
	for i, c := range cats {
		pos := fmt.Sprintf("categories[%d]", i)
		switch {
		case c.Name == "":
			cr.problem(pos, "category %s has no name", c.ID)
		case cr.labels[c.ID.String()] != "":
			cr.problem(pos, "category id %s is already %q", c.ID, cr.labels[c.ID.String()])
		default:
			cr.labels[c.ID.String()] = c.Name
		}
	}
}

// matchImages maps COCO image ids to item paths, reporting each image that
// matches no item with the number of its annotations (perImage, by image
// id) skipped with it.
func (cr *cocoReader) matchImages(imgs []cocoImage, perImage map[string]int) {
	byBase := map[string][]string{}
	for p := range cr.images {
		byBase[path.Base(p)] = append(byBase[path.Base(p)], p)
	}
	taken := map[string]int{}
	for i, im := range imgs {
		pos := fmt.Sprintf("images[%d]", i)
		cr.listed[im.ID.String()] = true
		p, ok := cr.matchImage(im.FileName, byBase)
		if !ok {
			cr.problem(pos, "no item matches file_name %q; its %d annotations are skipped",
				im.FileName, perImage[im.ID.String()])
			continue
		}
		if j, dup := taken[p]; dup {
			cr.problem(pos, "item %s is already images[%d]; its annotations are skipped", p, j)
			continue
		}
		if _, dup := cr.items[im.ID.String()]; dup {
			cr.problem(pos, "image id %s is repeated; its annotations are skipped", im.ID)
			continue
		}
		taken[p] = i
		cr.items[im.ID.String()] = p
		w, h := cr.images[p].DisplaySize()
		if w > 0 && h > 0 && im.Width > 0 && (im.Width != w || im.Height != h) {
			cr.problem(pos, "size %dx%d differs from item %s (%dx%d); annotations kept",
				im.Width, im.Height, p, w, h)
		}
	}
}

// matchImage finds the item path of a COCO file_name.
func (cr *cocoReader) matchImage(name string, byBase map[string][]string) (string, bool) {
	p := "/" + strings.TrimPrefix(path.Clean("/"+name), "/")
	if _, ok := cr.images[p]; ok {
		return p, true
	}
	if ps := byBase[path.Base(p)]; len(ps) == 1 {
		return ps[0], true
	}
	return "", false
}

// readAnnotation converts the annotation at pos and files it under its item.
func (cr *cocoReader) readAnnotation(pos string, a cocoAnnotation) {
	itemPath, ok := cr.items[a.ImageID.String()]
	if !ok {
		if !cr.listed[a.ImageID.String()] {
			cr.problem(pos, "unknown image_id %s", a.ImageID)
		}
		return // an unmatched image was reported once, with its count
	}
	label, ok := cr.labels[a.CategoryID.String()]
	if !ok {
		cr.problem(pos, "unknown category_id %s", a.CategoryID)
		return
	}

	anns, reason := cr.convert(a, label, cr.images[itemPath])
	if reason != "" {
		cr.problem(pos, "%s", reason)
		return
	}
	for _, ann := range anns {
		if a.ID != "" {
			ann["metadata"] = map[string]any{COCOMetadataKey: map[string]any{"id": a.ID}}
		}
		cr.out[itemPath] = append(cr.out[itemPath], ann)
	}
}
