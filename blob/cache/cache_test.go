package cache

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dlfs/dlfs/blob"
)

var ctx = context.Background()

// readAll reads key through s in reads of step bytes and compares with
// want. It reports with Errorf: it runs on many goroutines.
func readAll(t testing.TB, s blob.Store, key string, want []byte, step int) {
	t.Helper()
	r, err := s.Open(ctx, key)
	if err != nil {
		t.Errorf("open %s: %v", key[:8], err)
		return
	}
	defer r.Close()
	if r.Size() != int64(len(want)) {
		t.Errorf("size %d, want %d", r.Size(), len(want))
		return
	}
	buf := make([]byte, step)
	for off := 0; off < len(want); off += step {
		n, err := r.ReadAt(buf, int64(off))
		if (err != nil && err != io.EOF) || !bytes.Equal(buf[:n], want[off:min(off+step, len(want))]) {
			t.Errorf("read %s at %d: n=%d err=%v or bytes differ", key[:8], off, n, err)
			return
		}
	}
}

// chunkFiles sums the chunk files under dir (meta files excluded).
func chunkFiles(t testing.TB, dir string) (n int, bytes int64) {
	t.Helper()
	filepath.WalkDir(filepath.Join(dir, "blobs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != "meta" {
			info, _ := d.Info()
			n++
			bytes += info.Size()
		}
		return nil
	})
	return n, bytes
}

func TestReadThroughAndHit(t *testing.T) {
	inner := newMemStore()
	c, err := New(inner, t.TempDir(), 1<<30, 0)
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 3*ChunkSize + ChunkSize/2}
	for i, size := range sizes {
		data := randomBytes(size, uint64(i))
		key := inner.add(data)
		readAll(t, c, key, data, 100_000)
		fetched := inner.readBytes.Load()
		readAll(t, c, key, data, 7_777)
		if got := inner.readBytes.Load(); got != fetched {
			t.Errorf("size %d: second read fetched %d more bytes from the inner store",
				size, got-fetched)
		}
	}
	c.background.Wait()
	st := c.Stats()
	// chunks: 0+1+1+1+2+4 = 9, each missed once, then hit on the re-read.
	if st.Misses != 9 || st.Hits < 9 || st.Chunks != 9 {
		t.Errorf("stats %+v, want 9 misses, 9 chunks, at least 9 hits", st)
	}
	if n, b := chunkFiles(t, c.dir); n != 9 || b != st.Bytes {
		t.Errorf("%d chunk files of %d bytes, stats say %d bytes", n, b, st.Bytes)
	}
}

func TestCapKeptUnderConcurrentReaders(t *testing.T) {
	inner := newMemStore()
	const maxBytes = 5*ChunkSize + 1000
	c, err := New(inner, t.TempDir(), maxBytes, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	var datas [][]byte
	for i := range 4 {
		data := randomBytes(3*ChunkSize-i*1000, uint64(10+i))
		keys, datas = append(keys, inner.add(data)), append(datas, data)
	}

	stop := make(chan struct{})
	var over sync.WaitGroup
	var worst int64
	over.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			worst = max(worst, c.Stats().Bytes)
		}
	})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for round := range 3 {
				for i := range keys {
					j := (i + g + round) % len(keys)
					readAll(t, c, keys[j], datas[j], 256<<10)
				}
			}
		})
	}
	wg.Wait()
	c.background.Wait()
	close(stop)
	over.Wait()

	if worst > maxBytes {
		t.Errorf("cache held %d bytes at worst, cap %d", worst, maxBytes)
	}
	n, onDisk := chunkFiles(t, c.dir)
	if onDisk > maxBytes || onDisk != c.Stats().Bytes {
		t.Errorf("%d chunk files hold %d bytes; cap %d, stats %d", n, onDisk, maxBytes,
			c.Stats().Bytes)
	}
	if st := c.Stats(); st.Evictions == 0 {
		t.Errorf("no evictions after reading 4x the cap: %+v", st)
	}
}

func TestPinnedBlobNotEvicted(t *testing.T) {
	inner := newMemStore()
	dir := t.TempDir()
	c, err := New(inner, dir, 3*(ChunkSize+crcLen), 0)
	if err != nil {
		t.Fatal(err)
	}
	a := randomBytes(2*ChunkSize, 1)
	b := randomBytes(3*ChunkSize, 2)
	keyA, keyB := inner.add(a), inner.add(b)

	ra, err := c.Open(ctx, keyA)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ra.ReadAt(make([]byte, 2*ChunkSize), 0); err != nil {
		t.Fatal(err)
	}
	c.background.Wait()
	pathsA := []string{
		c.chunkPath(chunkID{keyHash(keyA), 0}), c.chunkPath(chunkID{keyHash(keyA), 1}),
	}
	readAll(t, c, keyB, b, 1<<20) // needs room that only A's chunks could give
	c.background.Wait()
	for _, p := range pathsA {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("chunk of the open blob evicted: %v", err)
		}
	}
	if st := c.Stats(); st.Bypassed == 0 {
		t.Errorf("B was cached beside the pinned A beyond the cap: %+v", st)
	}

	ra.Close()
	readAll(t, c, keyB, b, 1<<20)
	c.background.Wait()
	for _, p := range pathsA {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("chunk of the closed blob kept over B: %v", err)
		}
	}
}

func TestSurvivesRestart(t *testing.T) {
	inner := newMemStore()
	dir := t.TempDir()
	c, err := New(inner, dir, 1<<30, 0)
	if err != nil {
		t.Fatal(err)
	}
	data := randomBytes(2*ChunkSize+5, 3)
	key := inner.add(data)
	readAll(t, c, key, data, 1<<20)
	c.Close() // waits for the chunk writes
	want := c.Stats()
	os.WriteFile(filepath.Join(dir, "tmp", "w-123"), []byte("half a chunk"), 0o644)
	os.WriteFile(filepath.Join(filepath.Dir(c.chunkPath(chunkID{keyHash(key), 0})), "9"),
		[]byte("stray"), 0o644)

	empty := newMemStore() // the bytes must come from the cache alone
	c2, err := New(empty, dir, 1<<30, 0)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, c2, key, data, 1<<20)
	st := c2.Stats()
	if st.Chunks != want.Chunks || st.Bytes != want.Bytes || st.Misses != 0 ||
		empty.opens.Load() != 0 {
		t.Errorf("after restart %+v, want %d chunks of %d bytes and no misses", st,
			want.Chunks, want.Bytes)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Errorf("tmp/ not emptied: %d files", len(left))
	}

	c3, err := New(empty, dir, ChunkSize+crcLen, 0) // smaller cap: trimmed at New
	if err != nil {
		t.Fatal(err)
	}
	if st := c3.Stats(); st.Bytes > ChunkSize+crcLen {
		t.Errorf("restart with a smaller cap kept %d bytes", st.Bytes)
	}
}

func TestCorruptChunkDetected(t *testing.T) {
	inner := newMemStore()
	c, err := New(inner, t.TempDir(), 1<<30, 0)
	if err != nil {
		t.Fatal(err)
	}
	data := randomBytes(2*ChunkSize, 4)
	key := inner.add(data)
	readAll(t, c, key, data, 1<<20)
	c.background.Wait()

	flipByte(t, c.chunkPath(chunkID{keyHash(key), 1}), 12345)
	before := inner.readBytes.Load()
	readAll(t, c, key, data, 1<<20) // right bytes despite the flipped bit
	if st := c.Stats(); st.Corrupt != 1 {
		t.Errorf("corrupt count %d, want 1", st.Corrupt)
	}
	if got := inner.readBytes.Load() - before; got != ChunkSize {
		t.Errorf("refetched %d bytes, want the one chunk (%d)", got, ChunkSize)
	}

	// A chunk already checked is checked again after a restart.
	c.Close()
	flipByte(t, c.chunkPath(chunkID{keyHash(key), 0}), 99)
	c2, err := New(inner, c.dir, 1<<30, 0)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, c2, key, data, 1<<20)
	if st := c2.Stats(); st.Corrupt != 1 || st.Misses != 1 {
		t.Errorf("after restart: %+v, want 1 corrupt chunk fetched again", st)
	}
}

// flipByte flips one bit of the byte at off in the file at path.
func flipByte(t *testing.T, path string, off int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[off] ^= 0x40
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestContentKeyChecked(t *testing.T) {
	inner := newMemStore()
	c, err := New(inner, t.TempDir(), 1<<30, 0)
	if err != nil {
		t.Fatal(err)
	}
	small := randomBytes(1000, 5)
	key := inner.add(small)
	inner.set(key, append([]byte("X"), small[1:]...)) // the backend lies
	r, err := c.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadAt(make([]byte, 10), 0); !errors.Is(err, errCorrupt) {
		t.Errorf("read of a tampered small blob: %v, want errCorrupt", err)
	}
	r.Close()

	big := randomBytes(2*ChunkSize+1, 6)
	key = inner.add(big)
	bad := bytes.Clone(big)
	bad[ChunkSize+1] ^= 1
	inner.set(key, bad)
	readAll(t, c, key, bad, 1<<20)
	c.background.Wait()
	if st := c.Stats(); st.Corrupt != 2 || st.Chunks != 0 {
		t.Errorf("tampered large blob: %+v, want 2 corrupt and nothing cached", st)
	}
}

func TestFreeSpaceFloor(t *testing.T) {
	inner := newMemStore()
	c, err := New(inner, t.TempDir(), 1<<30, 1<<62) // the floor is never met
	if err != nil {
		t.Fatal(err)
	}
	data := randomBytes(ChunkSize+10, 7)
	key := inner.add(data)
	readAll(t, c, key, data, 1<<20)
	c.background.Wait()
	if st := c.Stats(); st.Bytes != 0 || st.Bypassed != 2 {
		t.Errorf("with no free space: %+v, want nothing cached and 2 bypassed", st)
	}
}
