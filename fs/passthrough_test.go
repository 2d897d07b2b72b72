package fs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/local"
	"github.com/dlfs/dlfs/meta"
)

// logBuffer collects a mount's log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// passthroughStore returns a catalog with dataset "d" holding files of the
// given contents at /f0.bin, /f1.bin, ... in a local blob store.
func passthroughStore(t *testing.T, contents [][]byte) (*meta.Catalog, *meta.Dataset, blob.Store) {
	t.Helper()
	dir := t.TempDir()
	cat, err := meta.Open(dir, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	ds, err := cat.CreateDataset("d", "local")
	if err != nil {
		t.Fatal(err)
	}
	st, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = cat.Update(func(tx *meta.Tx) error {
		for i, c := range contents {
			ref, err := st.Put(context.Background(), bytes.NewReader(c), int64(len(c)))
			if err != nil {
				return err
			}
			it := &meta.Item{ID: meta.NewID(), Filename: fmt.Sprintf("/f%d.bin", i),
				Type: meta.TypeFile, Metadata: map[string]any{"system": map[string]any{
					"size": json.Number(fmt.Sprint(len(c)))}}}
			if err := tx.PutItem(ds, &meta.Record{Item: it, Blob: ref.Key}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cat, ds, st
}

// Reads of a read-only mount return the blobs' bytes with passthrough on
// and off: whole files, random preads from concurrent readers, and mmap.
// With it on, the mount says it uses passthrough where the kernel and the
// process's privileges allow it.
func TestReadOnlyReadsWithAndWithoutPassthrough(t *testing.T) {
	if _, err := os.Stat("/dev/fuse"); err != nil || os.Geteuid() != 0 {
		t.Skip("needs /dev/fuse and root")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	contents := [][]byte{make([]byte, 3<<20+123), make([]byte, 4096), {}}
	for _, c := range contents {
		for i := range c {
			c[i] = byte(rng.Uint32())
		}
	}
	cat, ds, st := passthroughStore(t, contents)
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("passthrough=%v", on), func(t *testing.T) {
			var log logBuffer
			mnt := t.TempDir()
			srv, err := Mount(mnt, Options{Catalog: cat, Dataset: ds, ReadOnly: true,
				Passthrough: on, Logger: slog.New(slog.NewTextHandler(&log, nil)),
				Blobs: func(context.Context, *meta.Dataset) (blob.Store, error) { return st, nil }})
			if err != nil {
				t.Skipf("mount: %v", err)
			}
			defer srv.Close()
			for i, want := range contents {
				checkReads(t, filepath.Join(mnt, fmt.Sprintf("f%d.bin", i)), want)
			}
			used := strings.Contains(log.String(), "use FUSE passthrough")
			if !on && used {
				t.Errorf("passthrough used although off; log:\n%s", log.String())
			}
			if on && !used {
				t.Logf("passthrough unavailable here; log:\n%s", log.String())
			}
		})
	}
}

// checkReads reads p whole, at random offsets from four readers, and
// through mmap, comparing with want.
func checkReads(t *testing.T, p string, want []byte) {
	t.Helper()
	for range 2 { // the second open finds the kernel's caches full
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("read %s: %d bytes, %v; want %d bytes equal", p, len(got), err, len(want))
		}
	}
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			if err := preadRandomly(p, want, seed); err != nil {
				t.Error(err)
			}
		}(uint64(r))
	}
	wg.Wait()
	if len(want) == 0 {
		return
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, len(want), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatalf("mmap %s: %v", p, err)
	}
	defer syscall.Munmap(m)
	if !bytes.Equal(m, want) {
		t.Errorf("mmap of %s differs from the blob", p)
	}
}

// preadRandomly reads 100 random ranges of p and compares them with want.
func preadRandomly(p string, want []byte, seed uint64) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	rng := rand.New(rand.NewPCG(seed, 9))
	buf := make([]byte, 8192)
	for range 100 {
		off := rng.IntN(len(want) + 1)
		n, _ := f.ReadAt(buf[:rng.IntN(len(buf))+1], int64(off))
		if !bytes.Equal(buf[:n], want[off:min(len(want), off+n)]) || (n == 0 && off < len(want)) {
			return fmt.Errorf("pread %s at %d: %d bytes differ from the blob", p, off, n)
		}
	}
	return nil
}
