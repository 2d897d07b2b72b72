package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/meta/query"
)

type findOptions struct {
	dataset string // "" for every dataset
	query   string // the query text, short form or DQL JSON
	json    bool
	count   bool
	explain bool
}

func findCommand() *cli.Command {
	return &cli.Command{
		Name:      "find",
		Usage:     "search items by metadata and annotations",
		ArgsUsage: "[QUERY]",
		Description: `Prints the items matching QUERY, one path per line: relative to the dataset
with --dataset, else prefixed with the dataset's name. QUERY is the short form
(see meta/query/GRAMMAR.md; several arguments are joined with blanks) or
Dataloop's DQL JSON; --dql reads the DQL from a file. Without QUERY every item
matches. Items come in filename order unless the query sorts; every match is
printed unless the query names a page or page size.

A query that does not parse is reported with its position and what was
expected, and dlfs exits 1.

Examples:
   dlfs find --dataset fruits 'label=person and width>=600'
   dlfs find -d fruits 'mimetype=image/* and dir=/train/** sort size desc'
   dlfs find -d fruits --count 'metadata.user.reviewed=true'
   dlfs find -d fruits --dql query.json --json
   dlfs find 'annotation.type=segment'          # every dataset
   dlfs find -d fruits --explain 'label in (cat, dog)'`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dataset", Aliases: []string{"d"},
				Usage: "search dataset `NAME` only"},
			&cli.StringFlag{Name: "dql", Usage: "read a DQL JSON query from `FILE`"},
			&cli.BoolFlag{Name: "json", Usage: "print each item's JSON on one line"},
			&cli.BoolFlag{Name: "count", Usage: "print only the number of matching items"},
			&cli.BoolFlag{Name: "explain", Usage: "tell on stderr how each dataset was searched"},
		},
		Action: func(c *cli.Context) error {
			opt := findOptions{dataset: c.String("dataset"), json: c.Bool("json"),
				count: c.Bool("count"), explain: c.Bool("explain"),
				query: strings.Join(c.Args().Slice(), " ")}
			if file := c.String("dql"); file != "" {
				if c.NArg() > 0 {
					return fmt.Errorf("find: give either --dql or QUERY, not both")
				}
				data, err := os.ReadFile(file)
				if err != nil {
					return fmt.Errorf("find: %w", err)
				}
				opt.query = string(data)
			}
			return runFind(c, opt)
		},
	}
}

func runFind(c *cli.Context, opt findOptions) error {
	q, err := query.Parse(opt.query)
	if err != nil {
		return fmt.Errorf("find: %w", err)
	}
	cat, err := openCatalog(c)
	if err != nil {
		return err
	}
	defer cat.Close()

	var dss []*meta.Dataset
	if opt.dataset != "" {
		ds, err := cat.Dataset(opt.dataset)
		if err != nil {
			return fmt.Errorf("find: %w", err)
		}
		dss = []*meta.Dataset{ds}
	} else if dss, err = cat.Datasets(); err != nil {
		return fmt.Errorf("find: %w", err)
	}

	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	total := 0
	for _, ds := range dss {
		res, err := cat.Search(ds.ID, q, meta.SearchOptions{AllPages: true})
		if err != nil {
			return fmt.Errorf("find in %s: %w", ds.Name, err)
		}
		if opt.explain {
			fmt.Fprintf(os.Stderr, "dataset %s: %s\n", ds.Name, res.Explain)
		}
		total += res.Explain.Matches
		if opt.count {
			continue
		}
		if err := printFound(out, ds, res.Records, opt); err != nil {
			return err
		}
	}
	if opt.count {
		fmt.Fprintln(out, total)
	}
	return out.Flush()
}

// printFound prints records as paths or JSON lines.
func printFound(out *bufio.Writer, ds *meta.Dataset, recs []*meta.Record, opt findOptions) error {
	for _, rec := range recs {
		if opt.json {
			data, err := json.Marshal(rec.Item)
			if err != nil {
				return fmt.Errorf("find: item %s: %w", rec.Item.ID, err)
			}
			out.Write(data)
			out.WriteByte('\n')
			continue
		}
		p := strings.TrimPrefix(rec.Item.Filename, "/")
		if opt.dataset == "" {
			p = ds.Name + "/" + p
		}
		fmt.Fprintln(out, p)
	}
	return nil
}
