package integration

import (
	"crypto/sha256"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dlfs/dlfs/meta"
)

// crashRuns is how many times the crash test kills dlfs mid-copy.
const crashRuns = 24

// closedFiles records the files whose close succeeded, with the sha256
// of their bytes. It is safe for concurrent use.
type closedFiles struct {
	mu    sync.Mutex
	files map[string][32]byte
}

func (c *closedFiles) add(name string, sum [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.files[name] = sum
}

// TestCrashWhileCopyingIn kills dlfs with SIGKILL while files are being
// written into the mount, at a different moment each run, and checks after
// each restart that the catalog opens, every file closed before the kill
// is intact, no item points at a missing or short blob, and the staging
// folder is emptied.
func TestCrashWhileCopyingIn(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	s.MustRun("import", "--dataset", "c", t.TempDir())
	mnt := t.TempDir()
	done := &closedFiles{files: map[string][32]byte{}}
	leftovers := 0
	for run := 0; run < crashRuns; run++ {
		leftovers += checkCatalogAfterCrash(t, s)
		m := s.MountAt(mnt, "--dataset", "c")
		if n := countFiles(t, filepath.Join(s.Dir, "staging")); n != 0 {
			t.Errorf("run %d: %d staging files left after the mount started", run, n)
		}
		checkClosedFiles(t, mnt, done)

		var st syscall.Stat_t
		if err := syscall.Stat(mnt, &st); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				writeUntilError(mnt, st.Dev, fmt.Sprintf("r%02dw%d", run, w), int64(run*10+w),
					stop, done)
			}()
		}
		// Spread the kills over the first 400 ms of copying. No file is
		// started after the kill: once the dead mount is detached, its
		// path is the plain folder below.
		time.Sleep(time.Duration(15+run*16) * time.Millisecond)
		close(stop)
		m.cmd.Process.Kill()
		// The writers may still hold files open: detach the dead mount.
		syscall.Unmount(mnt, syscall.MNT_DETACH)
		wg.Wait()
		m.Stop()
	}
	checkCatalogAfterCrash(t, s)
	m := s.MountAt(mnt, "--dataset", "c")
	checkClosedFiles(t, mnt, done)
	m.Stop()
	if len(done.files) < crashRuns {
		t.Errorf("only %d files were closed before the kills; the test proves little", len(done.files))
	}
	t.Logf("%d runs, %d files closed before a kill, %d staging leftovers found", crashRuns,
		len(done.files), leftovers)
}

// writeUntilError writes files of pseudo-random sizes until the mount
// fails or stop is closed, recording each file whose close succeeded. A
// file that landed on another device than dev (the folder below a dead
// mount that was detached meanwhile) stops it unrecorded.
func writeUntilError(mnt string, dev uint64, prefix string, seed int64, stop chan struct{},
	done *closedFiles) {
	rng := rand.New(rand.NewSource(seed))
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		name := fmt.Sprintf("%s-%03d.bin", prefix, i)
		data := make([]byte, rng.Intn(400<<10))
		rng.Read(data)
		f, err := os.Create(filepath.Join(mnt, name))
		if err != nil {
			return
		}
		var st syscall.Stat_t
		if err := syscall.Fstat(int(f.Fd()), &st); err != nil || st.Dev != dev {
			f.Close()
			return
		}
		for off := 0; off < len(data) && err == nil; off += 64 << 10 {
			_, err = f.Write(data[off:min(off+64<<10, len(data))])
		}
		if cerr := f.Close(); err != nil || cerr != nil {
			return
		}
		done.add(name, sha256.Sum256(data))
	}
}

// checkClosedFiles reads every closed file back through the mount.
func checkClosedFiles(t *testing.T, mnt string, done *closedFiles) {
	t.Helper()
	done.mu.Lock()
	defer done.mu.Unlock()
	for name, sum := range done.files {
		data, err := os.ReadFile(filepath.Join(mnt, name))
		if err != nil {
			t.Errorf("%s, closed before a kill: %v", name, err)
			continue
		}
		if sha256.Sum256(data) != sum {
			t.Errorf("%s, closed before a kill: bytes differ (%d bytes)", name, len(data))
		}
	}
}

// checkCatalogAfterCrash opens the catalog of a killed mount and checks
// that every item's blob is there with the item's size. It returns the
// number of staging leftovers the kill left.
func checkCatalogAfterCrash(t *testing.T, s *Store) int {
	t.Helper()
	cat, err := meta.Open(s.Dir, meta.Options{})
	if err != nil {
		t.Fatalf("catalog after a kill: %v", err)
	}
	defer cat.Close()
	ds, err := cat.Dataset("c")
	if err != nil {
		t.Fatal(err)
	}
	err = cat.Items(ds.ID, func(rec *meta.Record) error {
		p := filepath.Join(s.Dir, "blobs", rec.Blob[:2], rec.Blob)
		fi, err := os.Stat(p)
		switch {
		case err != nil:
			t.Errorf("item %s: blob %s: %v", rec.Item.Filename, rec.Blob, err)
		case fi.Size() != rec.Item.Size():
			t.Errorf("item %s: blob of %d bytes, item says %d", rec.Item.Filename, fi.Size(),
				rec.Item.Size())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return countFiles(t, filepath.Join(s.Dir, "staging"))
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return len(entries)
}
