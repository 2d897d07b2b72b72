package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dlfs/dlfs/blob/local"
	"github.com/dlfs/dlfs/meta"
)

// The systems compared on one corpus.
const (
	sysNative = iota
	sysDlfs
	sysBindfs
)

// tree is the corpus of B1–B5: files on disk (native), the same files
// imported into a dlfs store and mounted, and bindfs over them.
type tree struct {
	native string // work/native: files/{big,small}, wide
	store  string
	mnt    string // dlfs: MNT/files/..., MNT/wide/wide/...
	peer   string // bindfs over native
	big    []string
	small  []string // relative to native/files
	blobs  []string // the store's files holding big's bytes
	wideBl string   // the linked folder holding the wide items' blob
}

// under returns rel (relative to the files dataset) on system sys.
func (t *tree) under(sys int, rel string) string {
	switch sys {
	case sysDlfs:
		return filepath.Join(t.mnt, "files", rel)
	case sysBindfs:
		return filepath.Join(t.peer, "files", rel)
	}
	return filepath.Join(t.native, "files", rel)
}

// all returns rels on system sys.
func (t *tree) all(sys int, rels []string) []string {
	out := make([]string, len(rels))
	for i, r := range rels {
		out[i] = t.under(sys, r)
	}
	return out
}

// wideDir returns the 100,000-item folder on system sys.
func (t *tree) wideDir(sys int) string {
	switch sys {
	case sysDlfs:
		return filepath.Join(t.mnt, "wide", "wide")
	case sysBindfs:
		return filepath.Join(t.peer, "wide")
	}
	return filepath.Join(t.native, "wide")
}

// filesGroup builds the corpus of B1–B5, mounts it and measures.
func (b *bench) filesGroup() error {
	t, err := b.setupFiles()
	if err != nil {
		return err
	}
	dl, err := b.track(b.mountDlfs(t.store, t.mnt, "--read-only"))
	if err != nil {
		return err
	}
	if b.bindfs {
		if _, err := b.track(mountBindfs(t.native, t.peer)); err != nil {
			return err
		}
	}
	for _, w := range []struct {
		id string
		fn func(*tree) error
	}{{"B1", b.seqRead}, {"B2", b.smallRead}, {"B3", b.listWide}, {"B4", b.randomRead},
		{"B5", b.walk}} {
		if !b.want[w.id] {
			continue
		}
		progress("%s", w.id)
		if err := w.fn(t); err != nil {
			return fmt.Errorf("%s: %w", w.id, err)
		}
	}
	b.readMode(dl.output())
	return nil
}

// setupFiles writes the corpus and imports it.
func (b *bench) setupFiles() (*tree, error) {
	t := &tree{native: filepath.Join(b.work, "native"), store: filepath.Join(b.work, "store"),
		mnt: filepath.Join(b.work, "mnt"), peer: filepath.Join(b.work, "peer"),
		wideBl: filepath.Join(b.work, "wideblobs")}
	files := filepath.Join(t.native, "files")
	progress("writing %d files of %d MiB and %d of %d KiB", b.sz.bigFiles, b.sz.bigMiB,
		b.sz.smallFiles, b.sz.smallKiB)
	big, err := writeFiles(filepath.Join(files, "big"), b.sz.bigFiles, 0, b.sz.bigMiB<<20, "big")
	if err != nil {
		return nil, err
	}
	small, err := writeFiles(filepath.Join(files, "small"), b.sz.smallFiles, b.sz.smallDirs,
		b.sz.smallKiB<<10, "small")
	if err != nil {
		return nil, err
	}
	for _, p := range big {
		t.big = append(t.big, strings.TrimPrefix(p, files+"/"))
	}
	for _, p := range small {
		t.small = append(t.small, strings.TrimPrefix(p, files+"/"))
	}
	progress("importing them into a dlfs store (local backend)")
	if err := run(b.dlfs, "--store", t.store, "--quiet", "import", "--dataset", "files",
		files); err != nil {
		return nil, err
	}
	if t.blobs, err = blobFiles(t.store, "files", t.big); err != nil {
		return nil, err
	}
	progress("creating a folder of %d items (catalog) and %d empty files (native)",
		b.sz.wide, b.sz.wide)
	if err := metaDataset(t.store, "wide", t.wideBl, b.sz.wide, 0); err != nil {
		return nil, err
	}
	return t, emptyFiles(filepath.Join(t.native, "wide"), b.sz.wide)
}

// blobFiles returns the store files holding the bytes of the items at
// rels in dataset name.
func blobFiles(store, name string, rels []string) ([]string, error) {
	cat, err := meta.Open(store, meta.Options{})
	if err != nil {
		return nil, err
	}
	defer cat.Close()
	ds, err := cat.Dataset(name)
	if err != nil {
		return nil, err
	}
	st, err := local.New(store)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, rel := range rels {
		rec, err := cat.ItemByPath(ds, "/"+filepath.ToSlash(rel))
		if err != nil {
			return nil, fmt.Errorf("item %s: %w", rel, err)
		}
		p, ok := st.LocalPath(rec.Blob)
		if !ok {
			return nil, fmt.Errorf("item %s: blob %q is not a local file", rel, rec.Blob)
		}
		out = append(out, p)
	}
	return out, nil
}

// emptyFiles creates n empty files named like the wide dataset's items.
func emptyFiles(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("img%07d.jpg", i)))
		if err != nil {
			return err
		}
		f.Close()
	}
	return nil
}

// readMode notes how the mount said it serves reads.
func (b *bench) readMode(log string) {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "passthrough") {
			b.notes = append(b.notes, "dlfs mount log: "+strings.TrimSpace(line))
			return
		}
	}
	b.notes = append(b.notes, "dlfs mount log does not mention passthrough")
}
