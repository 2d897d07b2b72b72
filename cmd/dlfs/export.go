package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/backend"
	"github.com/dlfs/dlfs/ingest"
	"github.com/dlfs/dlfs/interop"
	"github.com/dlfs/dlfs/meta"
)

type exportOptions struct {
	dataset string
	dest    string
	format  string // dataloop, coco, yolo or voc
	quiet   bool
}

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write a dataset out as a Dataloop export, or as COCO, YOLO or VOC",
		ArgsUsage: "DEST",
		Description: `Writes the dataset's items into DEST, a new or empty folder.

--format dataloop (the default) writes items/<path> (the bytes) and
json/<path>.json (the item JSON with its "annotations" array; the extension
of the item is dropped, as Dataloop's V1 exports do, unless two items would
share a name). dlfs import reads it back to the same items: same ids, paths,
metadata and annotations.

--format coco, yolo or voc writes images/<path> (the bytes of every file
item) and the image items' annotations beside: annotations.json (a COCO
instances file), labels/ (labels.txt and one .txt per image) or
annotations/ (one VOC XML per image). Annotations the format cannot hold
(points, polylines, masks in YOLO or VOC, ...) are listed and left out.
dlfs import --format F DEST reads such a folder back.

Folder items (type "dir") are not written: folders come back from the
paths of the items inside them.

Examples:
   dlfs export --dataset fruits ./fruits-export
   dlfs export --dataset fruits --format coco ./fruits-coco
   dlfs import --dataset fruits-again --format coco ./fruits-coco`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dataset", Aliases: []string{"d"}, Required: true,
				Usage: "dataset `NAME`"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "dataloop",
				Usage: "`FORMAT`: dataloop, coco, yolo or voc"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("export: want one DEST folder, got %d arguments", c.NArg())
			}
			return runExport(c, exportOptions{dataset: c.String("dataset"),
				dest: c.Args().First(), format: c.String("format"), quiet: c.Bool("quiet")})
		},
	}
}

// exporter holds what writing one dataset out needs.
type exporter struct {
	ctx   context.Context
	cat   *meta.Catalog
	ds    *meta.Dataset
	store blob.Store
	dest  string
}

// exportResult sums up an export.
type exportResult struct {
	items, annotations, folders int
	leftOut                     int // annotations the format cannot hold
	problems                    []interop.Problem
}

func runExport(c *cli.Context, opt exportOptions) error {
	if opt.format != "dataloop" {
		if _, err := ingest.ForeignAnnotations(opt.format); err != nil {
			return fmt.Errorf("export: --format: %w", err)
		}
	}
	if err := checkExportDest(opt.dest); err != nil {
		return err
	}
	cat, err := openCatalog(c)
	if err != nil {
		return err
	}
	defer cat.Close()
	ds, err := cat.Dataset(opt.dataset)
	if err != nil {
		return fmt.Errorf("export: dataset %s: %w", opt.dataset, err)
	}
	store, err := openBlobs(c.Context, cat, ds, backend.Options{})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer store.Close()

	recs, folders, err := exportRecords(cat, ds)
	if err != nil {
		return fmt.Errorf("export %s: %w", ds.Name, err)
	}
	bar := exportBar(opt, len(recs))
	ex := &exporter{ctx: c.Context, cat: cat, ds: ds, store: store, dest: opt.dest}
	var res *exportResult
	if opt.format == "dataloop" {
		res, err = ex.writeDataloop(recs, bar)
	} else {
		res, err = ex.writeForeign(opt.format, recs, bar)
	}
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		return fmt.Errorf("export %s to %s: %w", ds.Name, opt.dest, err)
	}
	res.folders = folders
	reportExport(opt, ds, res)
	return nil
}

// checkExportDest makes sure dest is a new or empty folder, so that an
// export never mixes with older files.
func checkExportDest(dest string) error {
	entries, err := os.ReadDir(dest)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("export: %s is not empty; give a new or empty folder", dest)
	}
	return nil
}

// exportRecords returns the file items of ds ordered by path, and the
// number of folder items left out.
// TODO: this holds every record in memory; stream them in path order for
// datasets of millions of items.
func exportRecords(cat *meta.Catalog, ds *meta.Dataset) ([]*meta.Record, int, error) {
	var recs []*meta.Record
	folders := 0
	err := cat.Items(ds.ID, func(rec *meta.Record) error {
		if rec.Item.Type == meta.TypeDir {
			folders++
			return nil
		}
		recs = append(recs, rec)
		return nil
	})
	sort.Slice(recs, func(i, j int) bool { return recs[i].Item.Filename < recs[j].Item.Filename })
	return recs, folders, err
}

// exportBar returns a progress bar on a terminal, else nil.
func exportBar(opt exportOptions, total int) *progressbar.ProgressBar {
	if opt.quiet || !isTerminal(os.Stderr) {
		return nil
	}
	return progressbar.NewOptions(total, progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription("exporting"), progressbar.OptionShowCount(),
		progressbar.OptionShowIts(), progressbar.OptionSetItsString("items"))
}

// reportExport prints what could not be written and the summary.
func reportExport(opt exportOptions, ds *meta.Dataset, res *exportResult) {
	for _, p := range res.problems {
		fmt.Fprintln(os.Stderr, "dlfs: export:", p)
	}
	if opt.quiet {
		return
	}
	fmt.Printf("dataset %s: %d items, %d annotations exported to %s (%s)\n", ds.Name,
		res.items, res.annotations, opt.dest, opt.format)
	if res.leftOut > 0 {
		fmt.Printf("%d annotations have no %s form and were left out (listed above)\n",
			res.leftOut, opt.format)
	}
	if res.folders > 0 {
		fmt.Printf("%d folder items were not written (their folders come back from the "+
			"items inside)\n", res.folders)
	}
}

// writeDataloop writes items/ and json/ under the destination.
func (ex *exporter) writeDataloop(recs []*meta.Record, bar *progressbar.ProgressBar,
) (*exportResult, error) {
	res := &exportResult{}
	taken := map[string]bool{}
	for _, rec := range recs {
		it := rec.Item
		if err := ex.copyBlob(rec, filepath.Join(ex.dest, "items")); err != nil {
			return res, err
		}
		anns, err := ex.cat.Annotations(ex.ds.ID, it.ID)
		if err != nil {
			return res, fmt.Errorf("item %s: %w", it.Filename, err)
		}
		obj, err := it.Map()
		if err != nil {
			return res, fmt.Errorf("item %s: %w", it.Filename, err)
		}
		obj["annotations"] = anns
		name := jsonName(it.Filename, taken)
		if err := writeJSONFile(filepath.Join(ex.dest, "json", filepath.FromSlash(name)),
			obj); err != nil {
			return res, err
		}
		res.items++
		res.annotations += len(anns)
		if bar != nil {
			bar.Add(1)
		}
	}
	return res, nil
}

// jsonName returns the slash-separated path under json/ of the item at
// p: V1's "sub/a.json" for "/sub/a.jpg", or V2's "sub/a.jpg.json" when
// another item took the V1 name.
func jsonName(p string, taken map[string]bool) string {
	rel := strings.TrimPrefix(p, "/")
	name := rel + ".json"
	if ext := path.Ext(rel); ext != "" && ext != path.Base(rel) {
		if v1 := strings.TrimSuffix(rel, ext) + ".json"; !taken[v1] {
			name = v1
		}
	}
	for n := 2; taken[name]; n++ {
		name = fmt.Sprintf("%s.%d.json", rel, n)
	}
	taken[name] = true
	return name
}

// writeForeign writes images/ and the annotations in format.
func (ex *exporter) writeForeign(format string, recs []*meta.Record,
	bar *progressbar.ProgressBar) (*exportResult, error) {
	res := &exportResult{}
	var images []interop.Image
	for _, rec := range recs {
		it := rec.Item
		if err := ex.copyBlob(rec, filepath.Join(ex.dest, ingest.ForeignImages)); err != nil {
			return res, err
		}
		res.items++
		if bar != nil {
			bar.Add(1)
		}
		if it.AnnotationsCount == 0 {
			if img, ok := ingest.ImageOf(it); ok {
				images = append(images, img)
			}
			continue
		}
		anns, err := ex.cat.Annotations(ex.ds.ID, it.ID)
		if err != nil {
			return res, fmt.Errorf("item %s: %w", it.Filename, err)
		}
		img, ok := ingest.ImageOf(it)
		if !ok {
			res.problems = append(res.problems, interop.Problem{File: it.Filename,
				Reason: fmt.Sprintf("not an image: its %d annotations have no %s form",
					len(anns), format)})
			res.leftOut += len(anns)
			continue
		}
		for _, a := range anns {
			img.Annotations = append(img.Annotations, map[string]any(a))
		}
		res.annotations += len(anns)
		images = append(images, img)
	}
	probs, err := writeAnnotations(format, ex.dest, images)
	res.problems = append(res.problems, probs...)
	res.leftOut += leftOutBy(probs, images)
	res.annotations -= leftOutBy(probs, images)
	return res, err
}

// leftOutBy counts the annotations a writer's problems left out: one for
// a problem at an annotation, all of the image's for one about the image.
func leftOutBy(probs []interop.Problem, images []interop.Image) int {
	n := 0
	for _, p := range probs {
		if p.Position != "" {
			n++
			continue
		}
		for _, img := range images {
			if img.Path == p.File {
				n += len(img.Annotations)
			}
		}
	}
	return n
}

// writeAnnotations writes the images' annotations in format under dest.
func writeAnnotations(format, dest string, images []interop.Image) ([]interop.Problem, error) {
	name, err := ingest.ForeignAnnotations(format)
	if err != nil {
		return nil, err
	}
	target := filepath.Join(dest, name)
	switch format {
	case ingest.FormatYOLO:
		return interop.WriteYOLO(target, images)
	case ingest.FormatVOC:
		return interop.WriteVOC(target, images)
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(target)
	if err != nil {
		return nil, err
	}
	probs, err := interop.WriteCOCO(f, images)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return probs, err
}

// copyBlob writes the item's bytes to root/<item path>.
func (ex *exporter) copyBlob(rec *meta.Record, root string) error {
	it := rec.Item
	dst := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(it.Filename, "/")))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	r, err := ex.store.Open(ex.ctx, rec.Blob)
	if err != nil {
		return fmt.Errorf("item %s: %w", it.Filename, err)
	}
	defer r.Close()
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, io.NewSectionReader(r, 0, r.Size()))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("item %s: write %s: %w", it.Filename, dst, err)
	}
	return nil
}

// writeJSONFile writes v as indented JSON to file, creating its folder.
func writeJSONFile(file string, v any) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	err = enc.Encode(v)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
