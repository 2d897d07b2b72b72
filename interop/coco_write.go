package interop

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// cocoOutImage is one images[] entry written.
type cocoOutImage struct {
	ID       int    `json:"id"`
	FileName string `json:"file_name"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
}

// cocoOutAnnotation is one annotations[] entry written.
type cocoOutAnnotation struct {
	ID           int64      `json:"id"`
	ImageID      int        `json:"image_id"`
	CategoryID   int        `json:"category_id"`
	BBox         [4]float64 `json:"bbox"`
	Segmentation any        `json:"segmentation"`
	Area         float64    `json:"area"`
	IsCrowd      int        `json:"iscrowd"`

	label  string
	cocoID int64       // id kept from an import, 0 when none
	rings  [][]float64 // polygon rings, nil for boxes and masks
}

// cocoOutRLE is an uncompressed RLE segmentation written.
type cocoOutRLE struct {
	Counts []int  `json:"counts"`
	Size   [2]int `json:"size"` // [height, width]
}

// WriteCOCO writes the images and their annotations as a COCO instances
// file, and returns the annotations it could not express.
//
// Images are written ordered by path with ids 1, 2, ... and their displayed
// size; file_name is the item path without its leading slash. A box becomes
// bbox [x, y, w, h] with segmentation [] and area w*h; a segment a polygon
// segmentation whose area is the shoelace area (segments of one item that
// share a COCO id and label, as ReadCOCO makes of a multi-ring object, are
// joined again); a binary mask an uncompressed RLE with iscrowd 1. Labels
// become categories with ids 1, 2, ... in byte order of the label. An
// annotation keeps its metadata.coco.id when it has one and the id is free;
// the others are numbered after the largest id kept.
func WriteCOCO(w io.Writer, images []Image) ([]Problem, error) {
	out := cocoFile{Info: map[string]any{"description": "exported by dlfs"}, Licenses: []any{}}
	var anns []*cocoOutAnnotation
	var problems []Problem
	var outImages []cocoOutImage
	for i, img := range sortedImages(images) {
		iw, ih := img.DisplaySize()
		outImages = append(outImages, cocoOutImage{i + 1, strings.TrimPrefix(img.Path, "/"), iw, ih})
		got, probs := cocoAnnotationsOf(img, i+1)
		anns = append(anns, got...)
		problems = append(problems, probs...)
	}
	numberCOCOAnnotations(anns)

	seen := map[string]bool{}
	for _, a := range anns {
		seen[a.label] = true
	}
	catIDs := map[string]int{}
	for i, l := range sortedLabels(seen) {
		catIDs[l] = i + 1
		out.Categories = append(out.Categories, cocoCategory{ID: json.Number(fmt.Sprint(i + 1)), Name: l})
	}
	for _, a := range anns {
		a.CategoryID = catIDs[a.label]
		if a.rings != nil {
			a.Segmentation = a.rings
		}
	}

	doc := struct {
		cocoFile
		Images      []cocoOutImage       `json:"images"`
		Annotations []*cocoOutAnnotation `json:"annotations"`
	}{out, nonNil(outImages), nonNil(anns)}
	if err := json.NewEncoder(w).Encode(doc); err != nil {
		return problems, fmt.Errorf("write coco: %w", err)
	}
	return problems, nil
}

// nonNil returns s, or an empty slice so JSON gets [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// cocoAnnotationsOf converts one image's annotations.
func cocoAnnotationsOf(img Image, imageID int) ([]*cocoOutAnnotation, []Problem) {
	var out []*cocoOutAnnotation
	var problems []Problem
	joined := map[int64]*cocoOutAnnotation{} // polygon by kept COCO id
	for j, a := range img.Annotations {
		ca, err := cocoAnnotationOf(a, img)
		if err != nil {
			problems = append(problems, Problem{img.Path, fmt.Sprintf("annotations[%d]", j),
				err.Error()})
			continue
		}
		ca.ImageID = imageID
		if prev := joined[ca.cocoID]; prev != nil && ca.rings != nil && prev.label == ca.label {
			prev.rings = append(prev.rings, ca.rings...)
			prev.Area = round6(prev.Area + ca.Area)
			prev.BBox = unionBBox(prev.BBox, ca.BBox)
			continue
		}
		if ca.rings != nil && ca.cocoID != 0 {
			joined[ca.cocoID] = ca
		}
		out = append(out, ca)
	}
	return out, problems
}

// cocoAnnotationOf converts one Dataloop annotation; the caller sets the
// ids.
func cocoAnnotationOf(a map[string]any, img Image) (*cocoOutAnnotation, error) {
	ca := &cocoOutAnnotation{label: annotationLabel(a), cocoID: cocoIDOf(a)}
	if ca.label == "" {
		return nil, fmt.Errorf("annotation has no label")
	}
	switch typ := annotationType(a); typ {
	case typeBox:
		r, err := boxOf(a)
		if err != nil {
			return nil, err
		}
		ca.BBox = bboxOf(r)
		ca.Segmentation = []any{}
		ca.Area = round6((r.X1 - r.X0) * (r.Y1 - r.Y0))
	case typeSegment:
		rings, err := ringsOf(a)
		if err != nil {
			return nil, err
		}
		for _, ring := range rings {
			flat := make([]float64, 0, 2*len(ring))
			for _, p := range ring {
				flat = append(flat, round6(p.X), round6(p.Y))
			}
			ca.rings = append(ca.rings, flat)
		}
		ca.BBox = bboxOf(boundsOf(rings))
		ca.Area = round6(polygonArea(rings))
	case typeBinary:
		return cocoMaskOf(a, img, ca)
	default:
		return nil, fmt.Errorf("annotation type %q has no coco form", typ)
	}
	return ca, nil
}

// cocoMaskOf fills ca from a binary annotation.
func cocoMaskOf(a map[string]any, img Image, ca *cocoOutAnnotation) (*cocoOutAnnotation, error) {
	s, _ := a["coordinates"].(string)
	m, err := MaskFromDataURL(s)
	if err != nil {
		return nil, err
	}
	if iw, ih := img.DisplaySize(); iw > 0 && ih > 0 && (iw != m.Width || ih != m.Height) {
		return nil, fmt.Errorf("mask size %dx%d differs from the %dx%d image",
			m.Width, m.Height, iw, ih)
	}
	r, ok := m.Bounds()
	if !ok {
		return nil, fmt.Errorf("mask is empty")
	}
	rle := EncodeRLE(m)
	ca.BBox = bboxOf(r)
	ca.Segmentation = cocoOutRLE{rle.Counts, [2]int{rle.Height, rle.Width}}
	ca.Area = float64(m.Area())
	ca.IsCrowd = 1
	return ca, nil
}

// bboxOf turns corners into COCO's [x, y, w, h].
func bboxOf(r rect) [4]float64 {
	return [4]float64{round6(r.X0), round6(r.Y0), round6(r.X1 - r.X0), round6(r.Y1 - r.Y0)}
}

// unionBBox returns the bbox around two bboxes.
func unionBBox(a, b [4]float64) [4]float64 {
	return bboxOf(rect{math.Min(a[0], b[0]), math.Min(a[1], b[1]),
		math.Max(a[0]+a[2], b[0]+b[2]), math.Max(a[1]+a[3], b[1]+b[3])})
}

// cocoIDOf returns metadata.coco.id when it is a positive integer, else 0.
func cocoIDOf(a map[string]any) int64 {
	md, _ := a["metadata"].(map[string]any)
	coco, _ := md[COCOMetadataKey].(map[string]any)
	switch v := coco["id"].(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil && n > 0 {
			return n
		}
	default:
		if f, ok := toFloat(v); ok && f > 0 && f == math.Trunc(f) && f < 1<<53 {
			return int64(f)
		}
	}
	return 0
}

// numberCOCOAnnotations gives each annotation its id: the kept COCO id when
// no earlier annotation took it, else the next after the largest kept id.
func numberCOCOAnnotations(anns []*cocoOutAnnotation) {
	var next int64
	for _, a := range anns {
		next = max(next, a.cocoID)
	}
	used := map[int64]bool{}
	for _, a := range anns {
		if a.cocoID != 0 && !used[a.cocoID] {
			a.ID = a.cocoID
		} else {
			next++
			a.ID = next
		}
		used[a.ID] = true
	}
}
