package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/dlfs/dlfs/blob/backend"
	"github.com/dlfs/dlfs/ingest"
	"github.com/dlfs/dlfs/meta"
)

type importOptions struct {
	dataset string
	src     string
	link    bool
	quiet   bool
	backend string // --backend: a new dataset's backend spec

	format      string // --format: coco, yolo or voc for foreign annotations
	annotations string // --annotations: their file or folder
}

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "import a folder or a Dataloop export into a dataset",
		ArgsUsage: "SRC",
		Description: `SRC is either a Dataloop export (folders items/ and json/, one item JSON
per item with its annotations) or a plain folder, whose every file becomes an
item at its relative path with system metadata read from its bytes. The
dataset is created when it does not exist. Re-running an import is
idempotent.

Exit status: 0 when everything imported, 2 when some inputs were refused
(each is listed with its file and reason), 1 on any other failure.

Examples:
   dlfs import --dataset fruits ./export
   dlfs import --dataset shots --link /data/shots    # no copy: read in place
   dlfs import --dataset shots --backend 's3://bucket/prefix?endpoint=http://127.0.0.1:7070&region=us-east-1&path_style=true' ./export
   dlfs import --dataset raw --link 's3://bucket/raw?endpoint=...'   # objects in place

With --backend, a new dataset keeps its bytes in that S3 bucket (credentials
from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws/credentials). With
--link s3://BUCKET/PREFIX, every object under PREFIX becomes an item read in
place; only the objects' headers are read.` + importFormatHelp,
		Flags: append(append([]cli.Flag{
			&cli.StringFlag{Name: "dataset", Aliases: []string{"d"}, Required: true,
				Usage: "dataset `NAME`"},
			&cli.BoolFlag{Name: "link", Usage: "leave the files where they are (linked backend)"},
		}, importBackendFlags()...), importFormatFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("import: want one SRC folder, got %d arguments", c.NArg())
			}
			return runImport(c, importOptions{dataset: c.String("dataset"), src: c.Args().First(),
				link: c.Bool("link"), quiet: c.Bool("quiet"),
				format: c.String("format"), annotations: c.String("annotations"), backend: c.String("backend")})
		},
	}
}

func runImport(c *cli.Context, opt importOptions) error {
	foreign, err := foreignFormat(opt)
	if err != nil {
		return err
	}
	if _, err := os.Stat(opt.src); err != nil && !isS3Link(opt) {
		return fmt.Errorf("import: %w", err)
	}
	cat, err := openCatalog(c)
	if err != nil {
		return err
	}
	defer cat.Close()

	if err := checkImportBackend(c, opt); err != nil {
		return err
	}
	ds, err := datasetForImport(cat, opt)
	if err != nil {
		return err
	}
	bopt, err := backendOptions(c, false)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	store, err := openBlobs(c.Context, cat, ds, bopt)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer store.Close()

	iopt := ingest.Options{Link: opt.link}
	var bar *progressbar.ProgressBar
	if !opt.quiet && isTerminal(os.Stderr) {
		// The bar is made once the total is known: a bar of unknown length
		// runs a spinner goroutine of its own.
		iopt.Progress = func(done, total int, bytes int64) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(os.Stderr),
					progressbar.OptionSetDescription("importing"),
					progressbar.OptionShowCount(), progressbar.OptionShowIts(),
					progressbar.OptionSetItsString("items"))
			}
			bar.Set(done)
		}
	}
	im := ingest.New(cat, ds, store, iopt)
	var res *ingest.Result
	if foreign {
		res, err = importForeign(c.Context, im, opt)
	} else {
		res, err = importFrom(c.Context, im, opt)
	}
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		return err
	}
	for _, p := range res.Problems {
		fmt.Fprintln(os.Stderr, "dlfs: import:", p)
	}
	if !opt.quiet {
		fmt.Printf("dataset %s: %d items stored, %d unchanged, %d annotations, %d problems\n",
			ds.Name, res.Items, res.Unchanged, res.Annotations, len(res.Problems))
	}
	if len(res.Problems) > 0 {
		return cli.Exit(fmt.Sprintf("import %s: %d inputs were not imported", opt.src,
			len(res.Problems)), 2)
	}
	return nil
}

// datasetForImport finds or creates the dataset, checking that its
// backend suits the import.
func datasetForImport(cat *meta.Catalog, opt importOptions) (*meta.Dataset, error) {
	want := firstNonEmpty(opt.backend, "local")
	if isS3Link(opt) {
		want = backend.LinkPrefix + opt.src
	} else if opt.link {
		spec, err := backend.LinkSpec(ingest.LinkRoot(opt.src))
		if err != nil {
			return nil, err
		}
		want = spec
	}
	ds, err := cat.Dataset(opt.dataset)
	if errors.Is(err, meta.ErrNotFound) {
		return cat.CreateDatasetWithID(opt.dataset, want, ingest.ExportDatasetID(opt.src))
	}
	if err != nil {
		return nil, err
	}
	if ds.Backend != want && (opt.link || opt.backend != "" || strings.HasPrefix(ds.Backend,
		backend.LinkPrefix)) {
		return nil, fmt.Errorf("import into %s: the dataset's backend is %s, this import "+
			"needs %s", ds.Name, ds.Backend, want)
	}
	return ds, nil
}
