package render

import (
	"fmt"
	"slices"
)

// scene is the annotations of one picture sorted into what gets drawn.
type scene struct {
	shapes  []shape
	classes []string // class labels, once each, in order of appearance
}

// readScene reads anns for a canvas of size w x h whose picture was scaled
// by s, recording in res what it has to leave out.
func readScene(anns []map[string]any, s float64, w, h int, res *Result) scene {
	var sc scene
	skip := func(typ string) {
		if !slices.Contains(res.Skipped, typ) {
			res.Skipped = append(res.Skipped, typ)
		}
	}
	for i, ann := range anns {
		typ, _ := ann["type"].(string)
		if typ == "" {
			typ = "unknown"
		}
		label, _ := ann["label"].(string)
		switch {
		case !drawable[typ]:
			skip(typ)
		case typ == "class":
			if label != "" && !slices.Contains(sc.classes, label) {
				sc.classes = append(sc.classes, label)
			}
		default:
			sh, err := readShape(typ, ann["coordinates"], s, w, h)
			if err != nil {
				skip(typ)
				res.Problems = append(res.Problems,
					fmt.Sprintf("annotation %d (%s %q): %v", i, typ, label, err))
				continue
			}
			sh.label, sh.color = label, LabelColor(label)
			sc.shapes = append(sc.shapes, sh)
		}
	}
	return sc
}

// drawAll draws anns on cv in layers, so that no fill hides an outline and
// no outline hides a label: mask tints, polygon fills, outlines, labels,
// and the class caption bar on top.
func drawAll(cv *canvas, anns []map[string]any, s float64, res *Result) error {
	sc := readScene(anns, s, cv.w, cv.h, res)
	if len(sc.shapes) == 0 && len(sc.classes) == 0 {
		return nil
	}
	lw := strokeWidth(cv.w, cv.h)
	lab, err := newLabeler(labelSize(cv.w, cv.h))
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}

	for _, sh := range sc.shapes {
		if sh.mask != nil {
			cv.tint(sh.mask, sh.color, maskTintAlpha)
		}
	}
	for _, sh := range sc.shapes {
		if sh.fill {
			cv.fillRings(sh.rings, sh.color, segmentFillAlpha)
		}
	}
	dotRadius := 1.5*lw + 1
	for _, sh := range sc.shapes {
		cv.strokePaths(sh.rings, true, lw, sh.color)
		cv.strokePaths(sh.paths, false, lw, sh.color)
		for _, p := range sh.dots {
			cv.dot(p, dotRadius, sh.color)
		}
	}
	_, barHeight := lab.captionLayout(cv.w, sc.classes)
	for _, sh := range sc.shapes {
		// Keep the label off the line or dot it names, and off the caption.
		anchor := sh.anchor.grow(lw / 2)
		if len(sh.dots) > 0 {
			anchor = sh.anchor.grow(dotRadius)
		}
		if sh.label != "" && !cv.clip(anchor, 0).Empty() {
			lab.beside(cv, anchor, shortLabel(sh.label), sh.color, barHeight)
		}
	}
	lab.captionBar(cv, sc.classes)
	return nil
}
