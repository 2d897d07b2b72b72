package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// convert makes the Dataloop annotations of one COCO annotation, or says
// why it cannot.
func (cr *cocoReader) convert(a cocoAnnotation, label string, img Image,
) ([]map[string]any, string) {
	seg := bytes.TrimSpace(a.Segmentation)
	empty := len(seg) == 0 || bytes.Equal(seg, []byte("null")) ||
		bytes.Equal(seg, []byte("[]")) || bytes.Equal(seg, []byte("[[]]"))
	switch {
	case cr.opts.Shapes == COCOBoxes || empty:
		return cocoBox(a, label, img)
	case seg[0] == '{':
		return cocoMask(seg, label, img)
	default:
		return cocoPolygons(seg, label, img)
	}
}

// cocoBox makes a box from bbox [x, y, w, h].
func cocoBox(a cocoAnnotation, label string, img Image) ([]map[string]any, string) {
	if len(a.BBox) != 4 {
		return nil, fmt.Sprintf("bbox has %d numbers, want 4", len(a.BBox))
	}
	x, y, w, h := a.BBox[0], a.BBox[1], a.BBox[2], a.BBox[3]
	if w < 0 || h < 0 {
		return nil, fmt.Sprintf("bbox %v has a negative size", a.BBox)
	}
	r := rect{x, y, x + w, y + h}
	if iw, ih := img.DisplaySize(); r.outside(iw, ih) {
		return nil, outsideReason("bbox", r, iw, ih)
	}
	return []map[string]any{newBox(label, r)}, ""
}

// cocoPolygons makes one segment per ring of a polygon segmentation.
func cocoPolygons(seg []byte, label string, img Image) ([]map[string]any, string) {
	var rings [][]float64
	if err := json.Unmarshal(seg, &rings); err != nil {
		var flat []float64
		if json.Unmarshal(seg, &flat) != nil {
			return nil, fmt.Sprintf("segmentation is neither polygons nor rle: %v", err)
		}
		rings = [][]float64{flat}
	}

	pts := make([][]point, 0, len(rings))
	for i, ring := range rings {
		if len(ring) < 6 || len(ring)%2 != 0 {
			return nil, fmt.Sprintf("segmentation ring %d has %d numbers, "+
				"want an even count of at least 6", i, len(ring))
		}
		ps := make([]point, len(ring)/2)
		for j := range ps {
			ps[j] = point{ring[2*j], ring[2*j+1]}
		}
		pts = append(pts, ps)
	}
	if iw, ih := img.DisplaySize(); boundsOf(pts).outside(iw, ih) {
		return nil, outsideReason("segmentation", boundsOf(pts), iw, ih)
	}

	out := make([]map[string]any, len(pts))
	for i, ring := range pts {
		out[i] = newSegment(label, ring)
	}
	return out, ""
}

// cocoMask makes a binary annotation of an RLE segmentation.
func cocoMask(seg []byte, label string, img Image) ([]map[string]any, string) {
	var obj cocoRLE
	if err := json.Unmarshal(seg, &obj); err != nil {
		return nil, fmt.Sprintf("malformed rle segmentation: %v", err)
	}
	if len(obj.Size) != 2 {
		return nil, fmt.Sprintf("rle size has %d numbers, want [height, width]", len(obj.Size))
	}
	r := RLE{Height: obj.Size[0], Width: obj.Size[1]}
	if iw, ih := img.DisplaySize(); iw > 0 && ih > 0 && (iw != r.Width || ih != r.Height) {
		return nil, fmt.Sprintf("rle size %dx%d differs from the %dx%d image",
			r.Width, r.Height, iw, ih)
	}

	var err error
	if c := bytes.TrimSpace(obj.Counts); len(c) > 0 && c[0] == '"' {
		var s string
		if err = json.Unmarshal(c, &s); err == nil {
			r.Counts, err = DecodeRLEString(s)
		}
	} else {
		err = json.Unmarshal(c, &r.Counts)
	}
	if err != nil {
		return nil, fmt.Sprintf("rle counts: %v", err)
	}
	mask, err := r.Mask()
	if err != nil {
		return nil, err.Error()
	}
	url, err := MaskToDataURL(mask)
	if err != nil {
		return nil, err.Error()
	}
	return []map[string]any{newAnnotation(typeBinary, label, url)}, ""
}
