package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// row is one line of the table. Figures are in unit; a figure of NaN was
// not measured. A row is either relative (dlfs against native, target on
// the ratio dlfs/native) or absolute (target on dlfs's figure alone).
type row struct {
	id, name string
	unit     string
	native   float64
	dlfs     float64
	bindfs   float64
	// higher is true when a larger figure is better (throughput), false
	// for times and sizes.
	higher bool
	// ratio, when true, compares dlfs/native against target; else dlfs
	// itself is compared against target.
	ratio  bool
	target float64
	note   string
}

var notMeasured = math.NaN()

// relRow returns a row compared as dlfs/native.
func relRow(id, name, unit string, higher bool, target float64) row {
	return row{id: id, name: name, unit: unit, higher: higher, ratio: true, target: target,
		native: notMeasured, dlfs: notMeasured, bindfs: notMeasured}
}

// absRow returns a row compared by dlfs's figure alone.
func absRow(id, name, unit string, higher bool, target float64) row {
	r := relRow(id, name, unit, higher, target)
	r.ratio = false
	return r
}

// value is what the target is checked against.
func (r row) value() float64 {
	if r.ratio {
		return r.dlfs / r.native
	}
	return r.dlfs
}

// met reports whether the row meets its target; false for an unmeasured
// row.
func (r row) met() bool {
	v := r.value()
	if math.IsNaN(v) {
		return false
	}
	if r.higher {
		return v >= r.target
	}
	return v <= r.target
}

// beatsBindfs reports whether dlfs is at least as good as bindfs, and
// whether bindfs was measured.
func (r row) beatsBindfs() (ok, measured bool) {
	if math.IsNaN(r.bindfs) || math.IsNaN(r.dlfs) {
		return false, false
	}
	if r.higher {
		return r.dlfs >= r.bindfs, true
	}
	return r.dlfs <= r.bindfs, true
}

func (r row) targetText() string {
	op := "<="
	if r.higher {
		op = ">="
	}
	if r.ratio {
		return fmt.Sprintf("%s %gx native", op, r.target)
	}
	return fmt.Sprintf("%s %g %s", op, r.target, r.unit)
}

func figure(x float64, unit string) string {
	if math.IsNaN(x) {
		return "-"
	}
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f %s", x, unit)
	case x >= 1:
		return fmt.Sprintf("%.2f %s", x, unit)
	default:
		return fmt.Sprintf("%.3f %s", x, unit)
	}
}

func ratioText(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// printTable writes the rows as a Markdown table.
func printTable(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	head := []string{"#", "workload", "native", "dlfs", "ratio", "bindfs", "bindfs ratio",
		"target", "met?"}
	fmt.Fprintln(tw, "| "+strings.Join(head, "\t| ")+"\t|")
	fmt.Fprintln(tw, "|"+strings.Repeat(" ---\t|", len(head)))
	for _, r := range rows {
		met := "no"
		if r.met() {
			met = "yes"
		}
		if ok, measured := r.beatsBindfs(); measured && !ok {
			met += " (slower than bindfs)"
		}
		if r.note != "" {
			met += "; " + r.note
		}
		cells := []string{r.id, r.name, figure(r.native, r.unit), figure(r.dlfs, r.unit),
			ratioText(r.dlfs, r.native), figure(r.bindfs, r.unit),
			ratioText(r.bindfs, r.native), r.targetText(), met}
		fmt.Fprintln(tw, "| "+strings.Join(cells, "\t| ")+"\t|")
	}
	tw.Flush()
}
