package interop

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
)

// labelledBox is one box to write in a one-file-per-item format.
type labelledBox struct {
	label string
	r     rect
}

// sidecarFile is the planned file of one image in a one-file-per-item
// format.
type sidecarFile struct {
	img   Image
	rel   string // slash-separated path under the output folder
	boxes []labelledBox
}

// planSidecars picks the file and the boxes of each image for YOLO or VOC
// (format names it in Problems; ext is the file extension). An image whose
// file would be reserved (the labels file) or is taken by an earlier image
// (same path but the extension) is skipped; so is every annotation that is
// not an axis-aligned box, and for YOLO (which divides by the size) every
// box of an image of unknown size. It returns the files in path order and
// the distinct labels in byte order.
func planSidecars(images []Image, format, ext, reserved string,
) ([]sidecarFile, []string, []Problem) {
	var files []sidecarFile
	var problems []Problem
	taken := map[string]string{}
	if reserved != "" {
		taken[reserved] = ""
	}
	seen := map[string]bool{}
	for _, img := range sortedImages(images) {
		sf := sidecarFile{img: img, rel: sidecarPath(img.Path, ext)}
		if by, ok := taken[sf.rel]; ok {
			reason := fmt.Sprintf("its %s file %s is reserved; skipped", format, sf.rel)
			if by != "" {
				reason = fmt.Sprintf("its %s file %s is taken by %s; skipped", format, sf.rel, by)
			}
			problems = append(problems, Problem{img.Path, "", reason})
			continue
		}
		taken[sf.rel] = img.Path

		for j, a := range img.Annotations {
			pos := fmt.Sprintf("annotations[%d]", j)
			bx, err := sidecarBox(a, format, img)
			if err != nil {
				problems = append(problems, Problem{img.Path, pos, err.Error()})
				continue
			}
			seen[bx.label] = true
			sf.boxes = append(sf.boxes, bx)
		}
		files = append(files, sf)
	}
	return files, sortedLabels(seen), problems
}

// sidecarBox reads one annotation as a labelled box.
func sidecarBox(a map[string]any, format string, img Image) (labelledBox, error) {
	if typ := annotationType(a); typ != typeBox {
		return labelledBox{}, fmt.Errorf("annotation type %q has no %s form", typ, format)
	}
	label := annotationLabel(a)
	if label == "" {
		return labelledBox{}, fmt.Errorf("annotation has no label")
	}
	if strings.ContainsAny(label, "\r\n") {
		return labelledBox{}, fmt.Errorf("label %q holds a line break", label)
	}
	r, err := boxOf(a)
	if err != nil {
		return labelledBox{}, err
	}
	if w, h := img.DisplaySize(); format == "yolo" && (w <= 0 || h <= 0) {
		return labelledBox{}, fmt.Errorf("item has no known size to normalise by")
	}
	return labelledBox{label, r}, nil
}

// sidecarReader reads the annotations of one item from its file. A Problem
// is for a mismatch inside the file; an error stops the whole read.
type sidecarReader func(file string, img Image) ([]map[string]any, []Problem, error)

// readSidecars walks dir for files with extension ext (but the
// slash-separated skip), matches each to its item and reads it with read.
// A file that matches no item, or several items differing only by their
// extension, is a Problem.
func readSidecars(dir, ext, skip string, images map[string]Image, read sidecarReader,
) (map[string][]map[string]any, []Problem, error) {
	index := sidecarIndex(images, ext)
	out := map[string][]map[string]any{}
	var problems []Problem
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() || path.Ext(rel) != ext || rel == skip {
			return nil
		}
		items := index[rel]
		if len(items) != 1 {
			reason := "no item matches this file"
			if len(items) > 1 {
				reason = fmt.Sprintf("items %s share this file; skipped", strings.Join(items, ", "))
			}
			problems = append(problems, Problem{p, "", reason})
			return nil
		}
		anns, probs, err := read(p, images[items[0]])
		if err != nil {
			return err
		}
		if len(anns) > 0 {
			out[items[0]] = anns
		}
		problems = append(problems, probs...)
		return nil
	})
	return out, problems, err
}
