package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dlfs/dlfs/blob/linked"
	"github.com/dlfs/dlfs/interop"
	"github.com/dlfs/dlfs/meta"
)

// Foreign annotation formats, as `dlfs import --format` and `dlfs export
// --format` name them.
const (
	FormatCOCO = "coco"
	FormatYOLO = "yolo"
	FormatVOC  = "voc"
)

// ForeignImages names the folder of items in the layout `dlfs export`
// writes for a foreign format: DEST/images/<item path>, beside the
// annotations named by ForeignAnnotations.
const ForeignImages = "images"

// foreignAnnotations names the annotations of each format in that layout:
// a COCO instances file, a YOLO folder (labels.txt and one .txt per
// item), a folder of VOC XML files.
var foreignAnnotations = map[string]string{
	FormatCOCO: "annotations.json",
	FormatYOLO: "labels",
	FormatVOC:  "annotations",
}

// ForeignAnnotations returns the name of format's annotations (file or
// folder) in the layout `dlfs export` writes, or an error for a format
// dlfs does not know.
func ForeignAnnotations(format string) (string, error) {
	name, ok := foreignAnnotations[format]
	if !ok {
		return "", fmt.Errorf("unknown annotation format %q (use coco, yolo or voc)", format)
	}
	return name, nil
}

// ForeignLayout returns the images folder and the annotations of src when
// src is laid out as `dlfs export --format format` writes it.
func ForeignLayout(format, src string) (images, annotations string, ok bool) {
	name, err := ForeignAnnotations(format)
	if err != nil {
		return "", "", false
	}
	images = filepath.Join(src, ForeignImages)
	annotations = filepath.Join(src, name)
	fi, err := os.Stat(images)
	if err != nil || !fi.IsDir() {
		return "", "", false
	}
	if _, err := os.Stat(annotations); err != nil {
		return "", "", false
	}
	return images, annotations, true
}

// ImportForeign imports the folder images as a plain-folder import does
// (every file an item at its relative path), then reads the annotations
// at annotations in format (coco, yolo or voc) and attaches them to those
// items: each item the annotations name gets them in place of its stored
// ones; the others keep theirs. Only image items (metadata.system
// mimetype image/...) take foreign annotations. Every mismatch (an
// annotation for an image that is not there, an unknown category or
// class, a box outside its image) is a Problem naming the file and the
// position in it; the rest imports.
func (im *Importer) ImportForeign(ctx context.Context, format, annotations, images string,
) (*Result, error) {
	if err := checkForeignInput(format, annotations, images); err != nil {
		return nil, fmt.Errorf("import %s: %w", annotations, err)
	}
	if im.opt.Link {
		if _, ok := im.store.(*linked.Store); !ok {
			return nil, fmt.Errorf("import %s: --link needs a dataset on a linked backend", images)
		}
	}
	var res Result
	jobs, probs, err := im.scanFolder(images)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", images, err)
	}
	res.Problems = probs
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].path < jobs[j].path })
	if err := im.run(ctx, jobs, &res); err != nil {
		return &res, fmt.Errorf("import %s: %w", images, err)
	}
	if err := im.markSpecials(jobs, &res); err != nil {
		return &res, fmt.Errorf("import %s: %w", images, err)
	}

	imgs, err := im.foreignImages(jobs)
	if err != nil {
		return &res, fmt.Errorf("import %s: %w", annotations, err)
	}
	anns, fprobs, err := readForeign(format, annotations, imgs)
	if err != nil {
		return &res, fmt.Errorf("import %s: %w", annotations, err)
	}
	for _, p := range fprobs {
		res.Problems = append(res.Problems, foreignProblem(p))
	}
	if err := im.attach(anns, &res); err != nil {
		return &res, fmt.Errorf("import %s: %w", annotations, err)
	}
	return &res, nil
}

// checkForeignInput checks the format and that its inputs are there: a
// file for COCO, folders for the rest and for the images.
func checkForeignInput(format, annotations, images string) error {
	if _, err := ForeignAnnotations(format); err != nil {
		return err
	}
	fi, err := os.Stat(annotations)
	if err != nil {
		return err
	}
	if wantDir := format != FormatCOCO; fi.IsDir() != wantDir {
		if wantDir {
			return fmt.Errorf("%s annotations are a folder, not a file", format)
		}
		return fmt.Errorf("coco annotations are one JSON file, not a folder")
	}
	if fi, err := os.Stat(images); err != nil {
		return err
	} else if !fi.IsDir() {
		return fmt.Errorf("images %s: not a folder", images)
	}
	return nil
}

// foreignProblem turns a converter's Problem into an import Problem.
func foreignProblem(p interop.Problem) Problem {
	if p.Position == "" {
		return Problem{File: p.File, Reason: p.Reason}
	}
	return Problem{File: p.File, Reason: p.Position + ": " + p.Reason}
}

// readForeign reads the annotations of format for imgs.
func readForeign(format, annotations string, imgs map[string]interop.Image,
) (map[string][]map[string]any, []interop.Problem, error) {
	switch format {
	case FormatYOLO:
		return interop.ReadYOLO(annotations, imgs)
	case FormatVOC:
		return interop.ReadVOC(annotations, imgs)
	}
	f, err := os.Open(annotations)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return interop.ReadCOCO(f, annotations, imgs, interop.COCOOptions{})
}

// foreignImages returns the stored image items of the jobs, by path, with
// their pixel size and orientation.
func (im *Importer) foreignImages(jobs []job) (map[string]interop.Image, error) {
	imgs := map[string]interop.Image{}
	for _, j := range jobs {
		rec, err := im.cat.ItemByPath(im.ds, j.path)
		if errors.Is(err, meta.ErrNotFound) {
			continue // not stored: reported already
		}
		if err != nil {
			return nil, err
		}
		if img, ok := ImageOf(rec.Item); ok {
			imgs[j.path] = img
		}
	}
	return imgs, nil
}

// ImageOf returns what the converters know of an image item: its path,
// stored size and EXIF orientation from metadata.system. It is false for
// an item that is not an image.
func ImageOf(it *meta.Item) (interop.Image, bool) {
	sys, _ := it.Metadata["system"].(map[string]any)
	if mt, _ := sys["mimetype"].(string); !strings.HasPrefix(mt, "image/") {
		return interop.Image{}, false
	}
	exif, _ := sys["exif"].(map[string]any)
	return interop.Image{Path: it.Filename, Width: intOf(sys["width"]),
		Height: intOf(sys["height"]), Orientation: intOf(exif["Orientation"])}, true
}

// intOf reads a JSON number as an int, 0 when it is none.
func intOf(v any) int {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			f, ferr := n.Float64()
			if ferr != nil {
				return 0
			}
			return int(f)
		}
		return int(i)
	case float64:
		return int(n)
	case int:
		return n
	case int64:
		return int(n)
	}
	return 0
}

// foreignAnnotationID derives the id of the i-th foreign annotation of an
// item from the item id, i and the annotation's content, so that importing
// the same annotations again gives the same ids.
func foreignAnnotationID(itemID string, i int, a map[string]any) string {
	data, _ := json.Marshal(a) // map keys are sorted: the encoding is stable
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%s", itemID, i, data))
	return hex.EncodeToString(sum[:12])
}

// attach replaces the annotations of each item in anns, in batches of
// batchItems per transaction.
func (im *Importer) attach(anns map[string][]map[string]any, res *Result) error {
	paths := make([]string, 0, len(anns))
	for p := range anns {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for len(paths) > 0 {
		n := min(len(paths), batchItems)
		batch := paths[:n]
		paths = paths[n:]
		count := 0
		err := im.cat.Update(func(tx *meta.Tx) error {
			count = 0
			for _, p := range batch {
				dir, name := meta.SplitPath(p)
				d, err := tx.Entry(im.ds.ID, dir, name)
				if err != nil {
					return err
				}
				rec, err := tx.Record(im.ds.ID, d.ItemID)
				if err != nil {
					return err
				}
				list := make([]meta.Annotation, len(anns[p]))
				for i, a := range anns[p] {
					list[i] = meta.Annotation(a)
					if list[i].ID() == "" {
						list[i]["id"] = foreignAnnotationID(rec.Item.ID, i, a)
					}
				}
				if err := tx.PutItem(im.ds, rec, list); err != nil {
					return fmt.Errorf("item %s: %w", p, err)
				}
				count += len(list)
			}
			return nil
		})
		if err != nil {
			return err
		}
		res.Annotations += count
	}
	return nil
}
