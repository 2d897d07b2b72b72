package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

func datasetsCommand() *cli.Command {
	return &cli.Command{
		Name:  "datasets",
		Usage: "list the datasets of the store",
		Description: `Prints one line per dataset: name, id, creation time, backend.

Examples:
   dlfs datasets
   dlfs datasets --json | jq .name`,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "one JSON object per line"}},
		Action: func(c *cli.Context) error {
			cat, err := openCatalog(c)
			if err != nil {
				return err
			}
			defer cat.Close()
			all, err := cat.Datasets()
			if err != nil {
				return err
			}
			if c.Bool("json") {
				enc := json.NewEncoder(os.Stdout)
				for _, ds := range all {
					if err := enc.Encode(ds); err != nil {
						return err
					}
				}
				return nil
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tID\tCREATED\tBACKEND")
			for _, ds := range all {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", ds.Name, ds.ID, ds.CreatedAt, ds.Backend)
			}
			return w.Flush()
		},
	}
}
