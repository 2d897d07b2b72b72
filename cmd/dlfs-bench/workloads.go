package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"sync"
	"time"
)

// compare fills r's native, dlfs and bindfs figures with the medians of
// b.runs runs of fig, interleaving the systems run by run; before, when
// not nil, runs ahead of every run (dropping caches for cold runs).
func (b *bench) compare(r row, before func() error, fig func(sys int) (float64, error)) error {
	systems := []int{sysNative, sysDlfs}
	if b.bindfs {
		systems = append(systems, sysBindfs)
	}
	got := map[int][]float64{}
	for i := 0; i < b.runs; i++ {
		for _, sys := range systems {
			if before != nil {
				if err := before(); err != nil {
					return err
				}
			}
			x, err := fig(sys)
			if err != nil {
				return err
			}
			got[sys] = append(got[sys], x)
		}
	}
	r.native, r.dlfs = median(got[sysNative]), median(got[sysDlfs])
	if b.bindfs {
		r.bindfs = median(got[sysBindfs])
	}
	b.rows = append(b.rows, r)
	progress("  %s %s: native %.4g, dlfs %.4g, bindfs %.4g %s", r.id, r.name, r.native,
		r.dlfs, r.bindfs, r.unit)
	return nil
}

// warm runs fig once on every system, so that the measured runs find the
// caches full.
func (b *bench) warm(fig func(sys int) (float64, error)) error {
	for _, sys := range []int{sysNative, sysDlfs, sysBindfs} {
		if sys == sysBindfs && !b.bindfs {
			continue
		}
		if _, err := fig(sys); err != nil {
			return err
		}
	}
	return nil
}

// readFiles reads every file to its end and returns MiB/s.
func readFiles(paths []string) (float64, error) {
	buf := make([]byte, 1<<20)
	var total int64
	d, err := timeIt(func() error {
		for _, p := range paths {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			n, err := io.CopyBuffer(io.Discard, onlyReader{f}, buf)
			f.Close()
			if err != nil {
				return fmt.Errorf("read %s: %w", p, err)
			}
			total += n
		}
		return nil
	})
	return float64(total) / (1 << 20) / d.Seconds(), err
}

// onlyReader hides every method but Read, so that io.CopyBuffer reads
// through the buffer rather than asking the kernel to copy.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// seqRead is B1: sequential reads of the large files, cold and warm.
func (b *bench) seqRead(t *tree) error {
	fig := func(sys int) (float64, error) {
		if sys == sysNative {
			return readFiles(t.blobs)
		}
		return readFiles(t.all(sys, t.big))
	}
	name := fmt.Sprintf("sequential read %d×%d MiB", b.sz.bigFiles, b.sz.bigMiB)
	if err := b.compare(relRow("B1", name+", cold", "MiB/s", true, 0.95), dropCaches, fig); err != nil {
		return err
	}
	if err := b.warm(fig); err != nil {
		return err
	}
	return b.compare(relRow("B1", name+", warm", "MiB/s", true, 0.95), nil, fig)
}

// catFiles runs one cat over every path and returns MiB/s.
func catFiles(paths []string, size int) (float64, error) {
	d, err := timeIt(func() error { return run("cat", paths...) })
	return float64(len(paths)*size) / (1 << 20) / d.Seconds(), err
}

// smallRead is B2: cat of every small file, cold and warm.
func (b *bench) smallRead(t *tree) error {
	fig := func(sys int) (float64, error) {
		return catFiles(t.all(sys, t.small), b.sz.smallKiB<<10)
	}
	name := fmt.Sprintf("cat %d×%d KiB in %d folders", b.sz.smallFiles, b.sz.smallKiB,
		b.sz.smallDirs)
	if err := b.compare(relRow("B2", name+", cold", "MiB/s", true, 0.85), dropCaches, fig); err != nil {
		return err
	}
	if err := b.warm(fig); err != nil {
		return err
	}
	return b.compare(relRow("B2", name+", warm", "MiB/s", true, 0.6), nil, fig)
}

// listWide is B3: ls -l of the wide folder, with a count of the blob
// accesses it made.
func (b *bench) listWide(t *tree) error {
	fig := func(sys int) (float64, error) { return seconds("ls", "-l", t.wideDir(sys)) }
	name := fmt.Sprintf("ls -l of %d items", b.sz.wide)
	w, err := watchAccess(t.wideBl)
	if err != nil {
		return fmt.Errorf("watch blob accesses: %w", err)
	}
	defer w.close()
	if err := b.compare(relRow("B3", name+", cold", "s", false, 2), dropCaches, fig); err != nil {
		return err
	}
	if err := b.compare(relRow("B3", name+", warm", "s", false, 2), nil, fig); err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond)
	r := absRow("B3", "blob accesses during those ls -l", "", false, 0)
	r.dlfs = float64(w.count())
	// The check must be able to fail: reading an item must be seen.
	if _, err := readFiles([]string{t.wideDir(sysDlfs) + "/img0000000.jpg"}); err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond)
	if w.count() == int64(r.dlfs) {
		r.note = "check broken: a read was not seen either"
		r.dlfs = notMeasured
	}
	b.rows = append(b.rows, r)
	return nil
}

// randomReads reads 4 KiB blocks at random offsets of the files from
// readers goroutines for d and returns reads per second.
func randomReads(paths []string, readers int, d time.Duration) (float64, error) {
	var total int64
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			n, err := readRandomly(paths, seed, d)
			mu.Lock()
			total += n
			firstErr = errors.Join(firstErr, err)
			mu.Unlock()
		}(uint64(r))
	}
	wg.Wait()
	return float64(total) / d.Seconds(), firstErr
}

// readRandomly is one reader of randomReads.
func readRandomly(paths []string, seed uint64, d time.Duration) (int64, error) {
	var files []*os.File
	var sizes []int64
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return 0, err
		}
		fi, err := f.Stat()
		if err != nil {
			return 0, err
		}
		files, sizes = append(files, f), append(sizes, fi.Size())
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	buf := make([]byte, 4096)
	var n int64
	for end := time.Now().Add(d); time.Now().Before(end); {
		for range 64 {
			i := rng.IntN(len(files))
			off := rng.Int64N(sizes[i]/4096) * 4096
			if _, err := files[i].ReadAt(buf, off); err != nil {
				return n, fmt.Errorf("read %s at %d: %w", paths[i], off, err)
			}
			n++
		}
	}
	return n, nil
}

// randomRead is B4: random 4 KiB reads of the large files, warm.
func (b *bench) randomRead(t *tree) error {
	paths := func(sys int) []string {
		if sys == sysNative {
			return t.blobs
		}
		return t.all(sys, t.big)
	}
	if err := b.warm(func(sys int) (float64, error) { return readFiles(paths(sys)) }); err != nil {
		return err
	}
	d := time.Duration(b.sz.seconds * float64(time.Second))
	for _, readers := range []int{1, 4} {
		name := fmt.Sprintf("random 4 KiB reads, %d reader(s), warm", readers)
		fig := func(sys int) (float64, error) { return randomReads(paths(sys), readers, d) }
		if err := b.compare(relRow("B4", name, "reads/s", true, 0.85), nil, fig); err != nil {
			return err
		}
	}
	return nil
}

// walk is B5: find over the trees, cold, and getfattr -d over the small
// files.
func (b *bench) walk(t *tree) error {
	find := func(sys int) (float64, error) { return seconds("find", t.under(sys, ".")) }
	name := fmt.Sprintf("find over %d files in %d folders, cold", len(t.small)+len(t.big),
		b.sz.smallDirs+2)
	if err := b.compare(relRow("B5", name, "s", false, 1.5), dropCaches, find); err != nil {
		return err
	}
	findWide := func(sys int) (float64, error) { return seconds("find", t.wideDir(sys)) }
	name = fmt.Sprintf("find over the %d-item folder, cold", b.sz.wide)
	if err := b.compare(relRow("B5", name, "s", false, 1.5), dropCaches, findWide); err != nil {
		return err
	}
	if _, err := exec.LookPath("getfattr"); err != nil {
		b.notes = append(b.notes, "getfattr is not installed (apt-get install attr): B5 getfattr skipped")
		return nil
	}
	for _, rel := range t.small {
		if err := copyXattrs(t.under(sysDlfs, rel), t.under(sysNative, rel)); err != nil {
			return fmt.Errorf("copy attributes to the native files: %w", err)
		}
	}
	b.notes = append(b.notes, "B5 getfattr: the native files carry the same user.* "+
		"attributes as dlfs shows (copied from the mount), so both do the same work")
	getfattr := func(sys int) (float64, error) {
		s, err := seconds("getfattr", append([]string{"-d"}, t.all(sys, t.small)...)...)
		return float64(len(t.small)) / s, err
	}
	if err := b.warm(getfattr); err != nil {
		return err
	}
	name = fmt.Sprintf("getfattr -d over %d files", len(t.small))
	return b.compare(relRow("B5", name, "files/s", true, 0.4), nil, getfattr)
}
