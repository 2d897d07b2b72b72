package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dlfs/dlfs/control"
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "list the live mounts",
		Description: `Lists your live dlfs mounts: mount point, dataset, store, pid, uptime, disk
cache use and FUSE operations answered. Each mount is asked through the
control socket of its store. With --store (or DLFS_STORE), only the mount of
that store is shown.

Examples:
   dlfs status
   dlfs status --json | jq .operations`,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "one JSON object per mount and line"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 0 {
				return fmt.Errorf("status: takes no arguments, got %d", c.NArg())
			}
			return runStatus(c, c.Bool("json"))
		},
	}
}

func runStatus(c *cli.Context, asJSON bool) error {
	var stores []string
	if c.IsSet("store") || os.Getenv("DLFS_STORE") != "" {
		dir, err := storeDir(c)
		if err != nil {
			return err
		}
		stores = []string{dir}
	} else {
		var err error
		if stores, err = control.Registered(); err != nil {
			return fmt.Errorf("status: %w", err)
		}
	}
	var live []*control.Status
	for _, dir := range stores {
		st, err := control.Query(dir)
		if errors.Is(err, control.ErrNoServer) {
			continue
		}
		if err != nil {
			logger.Warn("a mount did not answer", "store", dir, "err", err)
			continue
		}
		live = append(live, st)
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		for _, st := range live {
			if err := enc.Encode(st); err != nil {
				return err
			}
		}
		return nil
	}
	if len(live) == 0 {
		if !c.Bool("quiet") {
			fmt.Println("no live dlfs mounts")
		}
		return nil
	}
	return printStatus(live)
}

// printStatus prints one line per mount.
func printStatus(live []*control.Status) error {
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "MOUNTPOINT\tDATASET\tSTORE\tPID\tUPTIME\tCACHE\tOPS\tREAD")
	for _, st := range live {
		ds := st.Dataset
		if ds == "" {
			ds = "(all)"
		}
		var total uint64
		for _, n := range st.Operations {
			total += n
		}
		cache := "-"
		if st.CacheHits+st.CacheMisses > 0 || st.CacheBytes > 0 {
			cache = fmt.Sprintf("%s %d/%d hit", bytesText(st.CacheBytes), st.CacheHits,
				st.CacheHits+st.CacheMisses)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", st.Mountpoint, ds, st.Store,
			st.PID, time.Since(st.Started).Round(time.Second), cache, opsText(total,
				st.Operations), bytesText(int64(st.BytesRead)))
	}
	return w.Flush()
}

// opsText shows the total and the three most frequent operations.
func opsText(total uint64, ops map[string]uint64) string {
	names := make([]string, 0, len(ops))
	for k := range ops {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		return ops[names[i]] > ops[names[j]] || ops[names[i]] == ops[names[j]] && names[i] < names[j]
	})
	var top []string
	for _, k := range names[:min(3, len(names))] {
		top = append(top, fmt.Sprintf("%s=%d", k, ops[k]))
	}
	if len(top) == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(top, " "))
}

// bytesText shows a byte count in binary units.
func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
