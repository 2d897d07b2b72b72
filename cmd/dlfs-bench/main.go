package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// sizes are the corpus dimensions.
type sizes struct {
	bigFiles   int // B1, B4: files of bigMiB MiB
	bigMiB     int
	smallFiles int // B2, B5: files of smallKiB KiB in smallDirs folders
	smallDirs  int
	smallKiB   int
	wide       int // B3: items in one folder
	million    int // B6: items, metadata only
	export     int // B7: items in the export
	seconds    float64
}

var fullSizes = sizes{bigFiles: 4, bigMiB: 256, smallFiles: 2000, smallDirs: 20, smallKiB: 256,
	wide: 100_000, million: 1_000_000, export: 100_000, seconds: 3}

var quickSizes = sizes{bigFiles: 4, bigMiB: 32, smallFiles: 400, smallDirs: 4, smallKiB: 256,
	wide: 10_000, million: 100_000, export: 10_000, seconds: 1}

// bench is one run of the benchmark.
type bench struct {
	sz        sizes
	runs      int
	dlfs      string   // the dlfs binary
	mountArgs []string // extra `dlfs mount` flags
	work      string   // temporary folder holding everything generated
	bindfs    bool
	mounts    []*mount // live mounts, stopped on exit
	want      map[string]bool
	rows      []row
	notes     []string
}

func main() {
	b := &bench{}
	quick := flag.Bool("quick", false, "smaller corpus and shorter runs")
	only := flag.String("only", "", "comma-separated workloads to run, e.g. B1,B3 (default all)")
	flag.IntVar(&b.runs, "runs", 3, "runs per figure; the median is reported")
	flag.StringVar(&b.dlfs, "dlfs", "./dlfs", "the dlfs binary (built when missing)")
	margs := flag.String("mount-args", "", "extra `dlfs mount` flags, e.g. --passthrough=false")
	keep := flag.Bool("keep", false, "keep the temporary folder")
	flag.Parse()
	b.sz = fullSizes
	if *quick {
		b.sz = quickSizes
	}
	b.mountArgs = strings.Fields(*margs)
	if err := b.main(selected(*only), *keep); err != nil {
		fmt.Fprintln(os.Stderr, "dlfs-bench:", err)
		os.Exit(1)
	}
}

// selected returns the workloads asked for by -only.
func selected(only string) map[string]bool {
	want := map[string]bool{}
	for _, w := range strings.Split(only, ",") {
		if w = strings.ToUpper(strings.TrimSpace(w)); w != "" {
			want[w] = true
		}
	}
	if len(want) == 0 {
		for _, w := range []string{"B1", "B2", "B3", "B4", "B5", "B6", "B7"} {
			want[w] = true
		}
	}
	return want
}

func (b *bench) main(want map[string]bool, keep bool) error {
	b.want = want
	if os.Geteuid() != 0 {
		return fmt.Errorf("run as root: cold runs drop the page cache and mounts need FUSE")
	}
	if err := b.findDlfs(); err != nil {
		return err
	}
	var err error
	if b.work, err = os.MkdirTemp("", "dlfs-bench-"); err != nil {
		return fmt.Errorf("temporary folder: %w", err)
	}
	defer b.cleanup(keep)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		b.cleanup(keep)
		os.Exit(130)
	}()
	b.bindfs = haveBindfs()
	if !b.bindfs {
		b.notes = append(b.notes, "bindfs is not installed: no peer figures")
	}
	start := time.Now()
	for _, w := range []struct {
		id string
		fn func() error
	}{{"B1", b.filesGroup}, {"B6", b.million}, {"B7", b.importExport}} {
		if w.id == "B1" && !(want["B1"] || want["B2"] || want["B3"] || want["B4"] || want["B5"]) {
			continue
		}
		if w.id != "B1" && !want[w.id] {
			continue
		}
		if err := w.fn(); err != nil {
			return fmt.Errorf("%s: %w", w.id, err)
		}
	}
	b.report(want, time.Since(start))
	return nil
}

// findDlfs makes b.dlfs an absolute path to a dlfs binary, building one
// into a temporary folder when the given one is missing.
func (b *bench) findDlfs() error {
	if _, err := os.Stat(b.dlfs); err == nil {
		b.dlfs = abs(b.dlfs)
		return nil
	}
	dir, err := os.MkdirTemp("", "dlfs-bench-bin-")
	if err != nil {
		return fmt.Errorf("build dlfs: %w", err)
	}
	b.dlfs = filepath.Join(dir, "dlfs")
	fmt.Fprintln(os.Stderr, "building dlfs into", b.dlfs)
	cmd := exec.Command("go", "build", "-o", b.dlfs, "./cmd/dlfs")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build dlfs (run from the repository root): %w", err)
	}
	return nil
}

// cleanup stops every mount and removes the temporary folder.
func (b *bench) cleanup(keep bool) {
	for i := len(b.mounts) - 1; i >= 0; i-- {
		b.mounts[i].stop()
	}
	b.mounts = nil
	if b.work != "" && !keep {
		os.RemoveAll(b.work)
	} else if keep {
		fmt.Fprintln(os.Stderr, "kept", b.work)
	}
	if strings.HasPrefix(filepath.Base(filepath.Dir(b.dlfs)), "dlfs-bench-bin-") {
		os.RemoveAll(filepath.Dir(b.dlfs))
	}
}

// track remembers a mount for cleanup and returns it.
func (b *bench) track(m *mount, err error) (*mount, error) {
	if err == nil {
		b.mounts = append(b.mounts, m)
	}
	return m, err
}

// untrack stops m and forgets it.
func (b *bench) untrack(m *mount) {
	m.stop()
	for i, x := range b.mounts {
		if x == m {
			b.mounts = append(b.mounts[:i], b.mounts[i+1:]...)
			break
		}
	}
}

// progress prints a line of what the bench is doing.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")},
		args...)...)
}

// report prints the machine, the table and the notes.
func (b *bench) report(want map[string]bool, took time.Duration) {
	fmt.Printf("\nmachine: %s, %d cores, %s, kernel %s\n", cpuModel(), runtime.NumCPU(),
		memTotal(), kernel())
	fmt.Printf("figures: median of %d runs; corpus in %s; whole run %s\n\n", b.runs,
		os.TempDir(), took.Round(time.Second))
	var rows []row
	for _, r := range b.rows {
		if want[r.id] {
			rows = append(rows, r)
		}
	}
	printTable(os.Stdout, rows)
	for _, n := range b.notes {
		fmt.Println("- " + n)
	}
}
