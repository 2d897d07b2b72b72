package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/dlfs/dlfs/blob/local"
	"github.com/dlfs/dlfs/meta"
)

type gcOptions struct {
	dryRun bool
}

func gcCommand() *cli.Command {
	return &cli.Command{
		Name:  "gc",
		Usage: "remove stored bytes no item points at",
		Description: `Removes from the store's blob folder every blob that no item of any dataset
on the local backend references (bytes left behind by overwritten or removed
files), and what interrupted writes left in the staging folder.

gc takes the store's lock: it refuses to run while a mount, an import or
another command uses the store, so it never removes bytes being written.
Linked and S3 datasets are not touched.

Examples:
   dlfs gc --dry-run
   dlfs --store /data/dlfs gc`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"},
				Usage: "list what would be removed, remove nothing"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 0 {
				return fmt.Errorf("gc: takes no arguments, got %d", c.NArg())
			}
			return runGC(c, gcOptions{dryRun: c.Bool("dry-run")})
		},
	}
}

func runGC(c *cli.Context, opt gcOptions) error {
	cat, err := openCatalog(c)
	if err != nil {
		return fmt.Errorf("gc: %w", err)
	}
	defer cat.Close()
	refs, err := referencedBlobs(cat)
	if err != nil {
		return fmt.Errorf("gc: %w", err)
	}
	store, err := local.New(cat.Dir())
	if err != nil {
		return fmt.Errorf("gc: %w", err)
	}
	if !opt.dryRun {
		if _, err := store.Clean(); err != nil {
			return fmt.Errorf("gc: %w", err)
		}
	}
	ctx := context.Background()
	var unused []string
	var kept, freed int64
	err = store.Walk(ctx, func(key string, size int64) error {
		if _, ok := refs[key]; ok {
			kept++
			return nil
		}
		unused = append(unused, key)
		freed += size
		return nil
	})
	if err != nil {
		return fmt.Errorf("gc: list blobs: %w", err)
	}
	for _, key := range unused {
		if opt.dryRun {
			fmt.Println(key)
			continue
		}
		if err := store.Delete(ctx, key); err != nil {
			return fmt.Errorf("gc: %w", err)
		}
	}
	verb := "removed"
	if opt.dryRun {
		verb = "would remove"
	}
	logger.Info("gc: "+verb+" unreferenced blobs", "blobs", len(unused), "bytes", freed,
		"kept", kept)
	return nil
}

// referencedBlobs returns the keys of every blob an item of a dataset on
// the local backend points at.
func referencedBlobs(cat *meta.Catalog) (map[string]struct{}, error) {
	all, err := cat.Datasets()
	if err != nil {
		return nil, err
	}
	refs := map[string]struct{}{}
	for _, ds := range all {
		if ds.Backend != "" && ds.Backend != "local" {
			continue
		}
		err := cat.BlobRefs(ds.ID, func(key string, size int64) error {
			refs[key] = struct{}{}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("dataset %s: %w", ds.Name, err)
		}
	}
	return refs, nil
}
