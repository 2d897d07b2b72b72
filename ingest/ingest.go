package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/linked"
	"github.com/dlfs/dlfs/meta"
)

// Options controls an import.
type Options struct {
	// Link leaves the files where they are: items point into the source
	// folder (the dataset's backend must be that linked folder).
	Link bool
	// Progress, when not nil, is called after each item with the number
	// done, the total, and the bytes stored so far.
	Progress func(done, total int, bytes int64)
	// Workers read and hash files in parallel; 0 means 4.
	Workers int
}

// Problem is one input that was not imported.
type Problem struct {
	File   string // the source file, as given
	Reason string
}

func (p Problem) String() string { return p.File + ": " + p.Reason }

// Result sums up an import.
type Result struct {
	Items       int // items stored (created or changed)
	Unchanged   int // items already stored exactly so
	Annotations int
	Bytes       int64
	Problems    []Problem
}

// Importer stores items into one dataset.
type Importer struct {
	cat   *meta.Catalog
	ds    *meta.Dataset
	store blob.Store
	opt   Options
}

// New returns an importer into ds, whose bytes go to store.
func New(cat *meta.Catalog, ds *meta.Dataset, store blob.Store, opt Options) *Importer {
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	return &Importer{cat: cat, ds: ds, store: store, opt: opt}
}

// IsExport reports whether src is laid out as a Dataloop export.
func IsExport(src string) bool {
	for _, d := range []string{"items", "json"} {
		fi, err := os.Stat(filepath.Join(src, d))
		if err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// LinkRoot returns the folder a --link import of src points into.
func LinkRoot(src string) string {
	if IsExport(src) {
		return filepath.Join(src, "items")
	}
	return src
}

// Import imports src, a Dataloop export or a plain folder.
func (im *Importer) Import(ctx context.Context, src string) (*Result, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", src, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("import %s: not a folder", src)
	}
	if im.opt.Link {
		if _, ok := im.store.(*linked.Store); !ok {
			return nil, fmt.Errorf("import %s: --link needs a dataset on a linked backend", src)
		}
	}
	var jobs []job
	var res Result
	if IsExport(src) {
		jobs, res.Problems, err = im.scanExport(src)
	} else {
		jobs, res.Problems, err = im.scanFolder(src)
	}
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", src, err)
	}
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].path < jobs[j].path })
	if err := im.run(ctx, jobs, &res); err != nil {
		return &res, fmt.Errorf("import %s: %w", src, err)
	}
	if err := im.markSpecials(jobs, &res); err != nil {
		return &res, fmt.Errorf("import %s: %w", src, err)
	}
	return &res, nil
}
