package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// million is B6: a metadata-only dataset of b.sz.million items in
// 1,000-item folders: how soon a mount is ready, and dlfs's peak memory
// while find walks all of it.
func (b *bench) million() error {
	store := filepath.Join(b.work, "mstore")
	mnt := filepath.Join(b.work, "mmnt")
	progress("B6: creating %d metadata-only items", b.sz.million)
	if err := metaDataset(store, "million", filepath.Join(b.work, "mblobs"), b.sz.million,
		1000); err != nil {
		return err
	}
	var ready []float64
	for i := 0; i < b.runs; i++ {
		if err := dropCaches(); err != nil {
			return err
		}
		m, err := b.track(b.mountDlfs(store, mnt, "--dataset", "million", "--read-only"))
		if err != nil {
			return err
		}
		ready = append(ready, m.ready.Seconds())
		b.untrack(m)
	}
	r := absRow("B6", fmt.Sprintf("mount of %d items ready (cold cache)", b.sz.million), "s",
		false, 1)
	r.dlfs = median(ready)
	b.rows = append(b.rows, r)
	progress("  B6 ready: %.3f s", r.dlfs)
	return b.millionWalk(store, mnt)
}

// millionWalk mounts the dataset afresh, walks it with find and reads the
// mount's peak resident memory.
func (b *bench) millionWalk(store, mnt string) error {
	if err := dropCaches(); err != nil {
		return err
	}
	m, err := b.track(b.mountDlfs(store, mnt, "--dataset", "million", "--read-only"))
	if err != nil {
		return err
	}
	defer b.untrack(m)
	took, err := seconds("find", mnt)
	if err != nil {
		return err
	}
	hwm, err := procStatusKiB(m.pid(), "VmHWM")
	if err != nil {
		return err
	}
	r := absRow("B6", fmt.Sprintf("find over all %d items: dlfs peak RSS", b.sz.million),
		"MiB", false, 300)
	r.dlfs = float64(hwm) / 1024
	anon, _ := procStatusKiB(m.pid(), "RssAnon")
	file, _ := procStatusKiB(m.pid(), "RssFile")
	r.note = fmt.Sprintf("find took %.1f s (one run); after it: %d MiB anonymous, %d MiB "+
		"mapped files", took, anon>>10, file>>10)
	b.rows = append(b.rows, r)
	progress("  B6 find: %.1f s, peak RSS %.0f MiB", took, r.dlfs)
	return nil
}

// importExport is B7: importing a Dataloop export with --link.
func (b *bench) importExport() error {
	export := filepath.Join(b.work, "export")
	progress("B7: writing an export of %d items", b.sz.export)
	if err := writeExport(export, b.sz.export); err != nil {
		return err
	}
	runs := b.runs
	if b.sz.export >= 100_000 {
		runs = min(runs, 2) // each run takes tens of seconds
	}
	var rates []float64
	for i := 0; i < runs; i++ {
		store := filepath.Join(b.work, fmt.Sprintf("estore%d", i))
		d, err := timeIt(func() error {
			return run(b.dlfs, "--store", store, "--quiet", "import", "--dataset", "exp",
				"--link", export)
		})
		if err != nil {
			return err
		}
		rates = append(rates, float64(b.sz.export)/d.Seconds())
		progress("  B7 run %d: %.1f s, %.0f items/s", i+1, d.Seconds(), rates[i])
		os.RemoveAll(store)
	}
	r := absRow("B7", fmt.Sprintf("import of a %d-item export with --link", b.sz.export),
		"items/s", true, 5000)
	r.dlfs = median(rates)
	r.note = fmt.Sprintf("median of %d runs, export in the page cache", runs)
	b.rows = append(b.rows, r)
	return nil
}
