package cache

import (
	"bytes"
	"os"
	"syscall"
	"testing"

	"github.com/dlfs/dlfs/blob"
)

// spanBytes reads a span's bytes through its descriptor, as the kernel
// would.
func spanBytes(t *testing.T, s blob.FileSpan) []byte {
	t.Helper()
	buf := make([]byte, s.Len)
	n, err := syscall.Pread(int(s.Fd), buf, s.Off)
	if err != nil || n != s.Len {
		t.Fatalf("pread span fd %d at %d: n=%d err=%v", s.Fd, s.Off, n, err)
	}
	return buf
}

// openFder opens key and returns the reader as a ChunkFder.
func openFder(t *testing.T, c *Cache, key string) (blob.Reader, blob.ChunkFder) {
	t.Helper()
	r, err := c.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	fder, ok := r.(blob.ChunkFder)
	if !ok {
		t.Fatal("cache reader does not implement blob.ChunkFder")
	}
	return r, fder
}

func TestChunkFdServesCheckedChunksOnly(t *testing.T) {
	inner := newMemStore()
	c, err := New(inner, t.TempDir(), 1<<30, 0)
	if err != nil {
		t.Fatal(err)
	}
	size := 3*ChunkSize + ChunkSize/2
	data := randomBytes(size, 21)
	key := inner.add(data)
	readAll(t, c, key, data, 1<<20) // caches the four chunks
	c.background.Wait()
	flipByte(t, c.chunkPath(chunkID{keyHash(key), 2}), 4321)

	r, fder := openFder(t, c, key)
	defer r.Close()
	// Written by this cache but not read back: not checked, not exposed.
	for _, off := range []int64{0, ChunkSize + 10, int64(size) - 100} {
		if s, ok := fder.ChunkFd(off, 4096); ok {
			s.Release()
			t.Errorf("span at %d exposed before its chunk was checked", off)
		}
	}
	if _, err := r.ReadAt(make([]byte, 10), 0); err != nil { // checks chunk 0
		t.Fatal(err)
	}
	s, ok := fder.ChunkFd(ChunkSize-8192, 8192)
	if !ok {
		t.Fatal("no span for a range within the checked chunk 0")
	}
	if got := spanBytes(t, s); !bytes.Equal(got, data[ChunkSize-8192:ChunkSize]) {
		t.Error("bytes through the span's fd differ from the blob's")
	}
	s.Release()
	if s, ok := fder.ChunkFd(ChunkSize-4096, 8192); ok {
		s.Release()
		t.Error("span given for a range across two chunks")
	}

	// Chunks 1 and 2 were checked ahead of the reads: 1 is served, 2
	// fails its check and is never exposed.
	c.background.Wait()
	s, ok = fder.ChunkFd(ChunkSize, 4096)
	if !ok {
		t.Fatal("no span for chunk 1, checked ahead of the reads")
	}
	if got := spanBytes(t, s); !bytes.Equal(got, data[ChunkSize:ChunkSize+4096]) {
		t.Error("bytes of chunk 1's span differ from the blob's")
	}
	s.Release()
	c.background.Wait()
	if s, ok := fder.ChunkFd(2*ChunkSize, 4096); ok {
		s.Release()
		t.Error("span given for chunk 2, whose file fails its check")
	}
	if st := c.Stats(); st.Corrupt != 1 {
		t.Errorf("stats %+v, want chunk 2 found corrupt ahead of the reads", st)
	}

	// The last chunk: a read past the end is cut at the blob's end, never
	// reaching the CRC behind the bytes in the file.
	if _, err := r.ReadAt(make([]byte, 10), 3*ChunkSize); err != nil {
		t.Fatal(err)
	}
	off := int64(size - 1000)
	s, ok = fder.ChunkFd(off, 128<<10)
	if !ok || s.Len != 1000 {
		t.Fatalf("span at the end: ok=%v len=%d, want 1000 bytes", ok, s.Len)
	}
	if got := spanBytes(t, s); !bytes.Equal(got, data[off:]) {
		t.Error("bytes of the last chunk's span differ from the blob's")
	}
	s.Release()
	if _, ok := fder.ChunkFd(int64(size), 10); ok {
		t.Error("span given at the blob's end")
	}
}

func TestChunkFdSkipsCorruptChunk(t *testing.T) {
	inner := newMemStore()
	dir := t.TempDir()
	c, err := New(inner, dir, 1<<30, 0)
	if err != nil {
		t.Fatal(err)
	}
	data := randomBytes(2*ChunkSize, 22)
	key := inner.add(data)
	readAll(t, c, key, data, 1<<20)
	c.Close()
	flipByte(t, c.chunkPath(chunkID{keyHash(key), 1}), 777)

	c2, err := New(inner, dir, 1<<30, 0) // found on disk: unchecked again
	if err != nil {
		t.Fatal(err)
	}
	r, fder := openFder(t, c2, key)
	defer r.Close()
	if _, err := r.ReadAt(make([]byte, 10), ChunkSize); err != nil { // fails, refetched
		t.Fatal(err)
	}
	if st := c2.Stats(); st.Corrupt != 1 {
		t.Fatalf("stats %+v, want the flipped chunk found corrupt", st)
	}
	c2.background.Wait()
	// The chunk written anew is not checked yet: still no span for it.
	if s, ok := fder.ChunkFd(ChunkSize+100, 4096); ok {
		s.Release()
		t.Error("span given for a chunk rewritten after failing its check")
	}
	// Reading chunk 0, then chunk 1 again, reads its file back and checks it.
	for _, off := range []int64{0, ChunkSize + ChunkSize/2} {
		if _, err := r.ReadAt(make([]byte, 10), off); err != nil {
			t.Fatal(err)
		}
	}
	s, ok := fder.ChunkFd(ChunkSize+100, 4096)
	if !ok {
		t.Fatal("no span for the rewritten chunk once checked")
	}
	defer s.Release()
	if !bytes.Equal(spanBytes(t, s), data[ChunkSize+100:ChunkSize+4196]) {
		t.Error("bytes through the span differ from the blob's")
	}
}

func TestChunkFdFilesPinnedAndHeldOpen(t *testing.T) {
	inner := newMemStore()
	c, err := New(inner, t.TempDir(), 3*(ChunkSize+crcLen), 0)
	if err != nil {
		t.Fatal(err)
	}
	a := randomBytes(2*ChunkSize, 23)
	b := randomBytes(3*ChunkSize, 24)
	keyA, keyB := inner.add(a), inner.add(b)
	readAll(t, c, keyA, a, 1<<20)
	c.background.Wait()

	r, fder := openFder(t, c, keyA)
	if _, err := r.ReadAt(make([]byte, 2*ChunkSize), 0); err != nil { // checks both
		t.Fatal(err)
	}
	s0, ok0 := fder.ChunkFd(100, 4096)
	s1, ok1 := fder.ChunkFd(ChunkSize+100, 4096) // moves on; s0 still held
	if !ok0 || !ok1 {
		t.Fatalf("spans on checked chunks: %v %v", ok0, ok1)
	}
	readAll(t, c, keyB, b, 1<<20) // needs room that only A's chunks could give
	c.background.Wait()
	for i := range int64(2) {
		if _, err := os.Stat(c.chunkPath(chunkID{keyHash(keyA), i})); err != nil {
			t.Errorf("chunk %d of the open blob evicted: %v", i, err)
		}
	}
	if !bytes.Equal(spanBytes(t, s0), a[100:4196]) {
		t.Error("span on chunk 0 changed after the reader moved to chunk 1")
	}
	s0.Release()
	s0.Release() // a second release is harmless
	r.Close()
	// Closed, yet a held span still reads its bytes until released.
	if !bytes.Equal(spanBytes(t, s1), a[ChunkSize+100:ChunkSize+4196]) {
		t.Error("span on chunk 1 changed after the reader closed")
	}
	s1.Release()
	rr := r.(*reader)
	rr.mu.Lock()
	left := len(rr.fds)
	rr.mu.Unlock()
	if left != 0 {
		t.Errorf("%d chunk files left open after Close and release", left)
	}
	if _, ok := fder.ChunkFd(100, 10); ok {
		t.Error("span given by a closed reader")
	}
}
