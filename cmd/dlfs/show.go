package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dlfs/dlfs/meta"
)

func showCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "print an item's JSON",
		ArgsUsage: "PATH|ID",
		Description: `Prints the item at PATH (its filename in the dataset, e.g. /sub/a.jpg) or
with id ID, as JSON. Without --dataset, an ID is looked for in every dataset.

Examples:
   dlfs show --dataset fruits /sub/000000000072.jpg
   dlfs show --annotations 6277f2ff445f1624a3787ee9`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dataset", Aliases: []string{"d"}, Usage: "dataset `NAME`"},
			&cli.BoolFlag{Name: "annotations", Aliases: []string{"a"},
				Usage: "include the annotations array"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("show: want one PATH or ID, got %d arguments", c.NArg())
			}
			return runShow(c, c.String("dataset"), c.Args().First(), c.Bool("annotations"))
		},
	}
}

func runShow(c *cli.Context, dataset, what string, withAnns bool) error {
	cat, err := openCatalog(c)
	if err != nil {
		return err
	}
	defer cat.Close()
	rec, ds, err := findItem(cat, dataset, what)
	if err != nil {
		return fmt.Errorf("show %s: %w", what, err)
	}
	out, err := rec.Item.Map()
	if err != nil {
		return err
	}
	if withAnns {
		anns, err := cat.Annotations(ds.ID, rec.Item.ID)
		if err != nil {
			return err
		}
		out["annotations"] = anns
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// findItem finds an item by path or id, in one dataset or in all.
func findItem(cat *meta.Catalog, dataset, what string) (*meta.Record, *meta.Dataset, error) {
	var all []*meta.Dataset
	if dataset != "" {
		ds, err := cat.Dataset(dataset)
		if err != nil {
			return nil, nil, err
		}
		all = []*meta.Dataset{ds}
	} else {
		var err error
		if all, err = cat.Datasets(); err != nil {
			return nil, nil, err
		}
	}
	for _, ds := range all {
		var rec *meta.Record
		var err error
		if strings.HasPrefix(what, "/") {
			rec, err = cat.ItemByPath(ds, what)
		} else {
			rec, err = cat.Record(ds.ID, what)
		}
		if err == nil {
			return rec, ds, nil
		}
		if !errors.Is(err, meta.ErrNotFound) && !errors.Is(err, meta.ErrBadPath) {
			return nil, nil, err
		}
	}
	return nil, nil, fmt.Errorf("no such item: %w", meta.ErrNotFound)
}
