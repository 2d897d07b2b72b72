package s3

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/dlfs/dlfs/internal/s3test"
)

// putObject stores data as the object name in the test bucket.
func putObject(t testing.TB, srv *testServer, name string, data []byte) {
	t.Helper()
	_, err := srv.client.PutObject(context.Background(), testBucket, name,
		bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{PartSize: 16 << 20})
	if err != nil {
		t.Fatalf("put %s: %v", name, err)
	}
}

func TestHeaderReadFetchesOnlyTheHeader(t *testing.T) {
	srv := startServer(t)
	const size = 32 << 20
	data := randomBytes(size, 11)
	putObject(t, srv, "big/video.mp4", data)
	proxy := s3test.StartCountingProxy(t, srv.addr)
	s := openStore(t, "http://"+proxy.Addr, "", Options{})
	ctx := context.Background()

	before := proxy.Down()
	r, err := s.Open(ctx, LinkKey("big/video.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 4096)
	if _, err := r.ReadAt(head, 0); err != nil || !bytes.Equal(head, data[:4096]) {
		t.Fatalf("header read: %v", err)
	}
	// A few random reads elsewhere must not start a large read-ahead.
	for _, off := range []int64{20 << 20, 3 << 20, 31 << 20, 9 << 20} {
		if _, err := r.ReadAt(head, off); err != nil || !bytes.Equal(head, data[off:off+4096]) {
			t.Fatalf("random read at %d: %v", off, err)
		}
	}
	r.Close()
	if _, err := s.ReadHeader(ctx, LinkKey("big/video.mp4"), 512); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// 6 reads of 4 KiB and 512 bytes, plus one HEAD and HTTP headers.
	sent := proxy.Down() - before
	if sent < 5*4096 || sent > 64<<10 {
		t.Fatalf("server sent %d bytes for 25 KiB of reads of a %d-byte object", sent, size)
	}
	t.Logf("server sent %d bytes for 25 KiB of header and random reads", sent)
}

func TestSequentialReadReadsAhead(t *testing.T) {
	srv := startServer(t)
	const size = 64 << 20
	data := randomBytes(size, 12)
	putObject(t, srv, "seq.bin", data)
	proxy := startFaultProxy(t, srv.endpoint)
	s := openStore(t, proxy.endpoint, "", Options{})
	ctx := context.Background()

	r, err := s.Open(ctx, LinkKey("seq.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	getsBefore, bytesBefore := proxy.gets.Load(), proxy.bodyBytes.Load()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(buf)) {
		n, err := r.ReadAt(buf, off)
		if err != nil || !bytes.Equal(buf[:n], data[off:off+int64(n)]) {
			t.Fatalf("read at %d: n=%d err=%v or bytes differ", off, n, err)
		}
	}
	gets := proxy.gets.Load() - getsBefore
	fetched := proxy.bodyBytes.Load() - bytesBefore
	// 64 reads of 1 MiB: read-ahead blocks grow to 16 MiB, so far fewer
	// GETs than reads, and no byte fetched twice.
	if gets > 16 {
		t.Errorf("%d GETs for 64 reads of 1 MiB: read-ahead did not grow", gets)
	}
	if fetched > size+size/16 {
		t.Errorf("fetched %d bytes to read %d", fetched, size)
	}
	t.Logf("64 MiB in 1 MiB reads: %d GETs, %d bytes fetched", gets, fetched)

	// A seek away drops the read-ahead ahead of the old position.
	rr := r.(*Reader)
	if _, err := rr.ReadAt(buf[:10], 5<<20); err != nil {
		t.Fatal(err)
	}
	rr.mu.Lock()
	left := len(rr.blocks)
	rr.mu.Unlock()
	if left != 0 {
		t.Errorf("%d read-ahead blocks left after a seek away", left)
	}
}

func TestReplacedObjectFailsOpenReader(t *testing.T) {
	srv := startServer(t)
	putObject(t, srv, "v.bin", randomBytes(10000, 1))
	s := openStore(t, srv.endpoint, "", Options{})
	r, err := s.Open(context.Background(), LinkKey("v.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	putObject(t, srv, "v.bin", randomBytes(10000, 2))
	if _, err := r.ReadAt(make([]byte, 100), 0); !errors.Is(err, ErrChanged) {
		t.Errorf("read of a replaced object: %v, want ErrChanged", err)
	}
}

// TestReorderedReadsKeepReadAhead reads as the kernel's parallel
// read-ahead does: each pair of 1 MiB reads arrives in reverse order.
func TestReorderedReadsKeepReadAhead(t *testing.T) {
	srv := startServer(t)
	const size = 64 << 20
	data := randomBytes(size, 13)
	putObject(t, srv, "reordered.bin", data)
	proxy := startFaultProxy(t, srv.endpoint)
	s := openStore(t, proxy.endpoint, "", Options{})

	r, err := s.Open(context.Background(), LinkKey("reordered.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	getsBefore, bytesBefore := proxy.gets.Load(), proxy.bodyBytes.Load()
	const step = 1 << 20
	buf := make([]byte, step)
	for pair := int64(0); pair < size; pair += 2 * step {
		for _, off := range []int64{pair + step, pair} {
			n, err := r.ReadAt(buf, off)
			if err != nil || !bytes.Equal(buf[:n], data[off:off+int64(n)]) {
				t.Fatalf("read at %d: n=%d err=%v or bytes differ", off, n, err)
			}
		}
	}
	gets := proxy.gets.Load() - getsBefore
	fetched := proxy.bodyBytes.Load() - bytesBefore
	// In order, these 64 reads take about 10 GETs; dropping the read-ahead
	// at every swapped pair would take one per read.
	if gets > 20 {
		t.Errorf("%d GETs for 64 reordered reads of 1 MiB: read-ahead was dropped", gets)
	}
	if fetched > size+size/8 {
		t.Errorf("fetched %d bytes to read %d", fetched, size)
	}
	t.Logf("64 MiB in reordered 1 MiB reads: %d GETs, %d bytes fetched", gets, fetched)
}
