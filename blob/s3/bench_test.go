package s3

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/cache"
)

// TestBenchmarkReads measures, with DLFS_BENCH=1, a sequential read of a
// 256 MiB object in 1 MiB ReadAt calls through Store against one direct
// GetObject, and a cached re-read through blob/cache against a local file.
//
//	DLFS_BENCH=1 go test -run BenchmarkReads -v ./blob/s3/
func TestBenchmarkReads(t *testing.T) {
	if os.Getenv("DLFS_BENCH") != "1" {
		t.Skip("set DLFS_BENCH=1 to run the read benchmark")
	}
	const size = 256 << 20
	srv := startServer(t)
	data := randomBytes(size, 1234)
	putObject(t, srv, "bench.bin", data)
	s := openStore(t, srv.endpoint, "", Options{})
	key := LinkKey("bench.bin")

	direct := timed(t, "minio-go GetObject, one ranged GET", func() int64 {
		return directGet(t, srv.client, "bench.bin", size)
	})
	store := timed(t, "Store.Open + ReadAt, 1 MiB reads", func() int64 {
		return readSequential(t, s, key)
	})
	t.Logf("Store / direct time ratio: %.2f", store.Seconds()/direct.Seconds())

	c, err := cache.New(s, t.TempDir(), 2*size, 0)
	if err != nil {
		t.Fatal(err)
	}
	timed(t, "cache, first read (fills from S3)", func() int64 { return readSequential(t, c, key) })
	timed(t, "cache, first re-read (CRC checks)", func() int64 {
		return readSequential(t, c, key)
	})
	cached := timed(t, "cache, re-read (checked files)", func() int64 {
		return readSequential(t, c, key)
	})
	local := filepath.Join(t.TempDir(), "local.bin")
	if err := os.WriteFile(local, data, 0o644); err != nil {
		t.Fatal(err)
	}
	file := timed(t, "local file, 1 MiB ReadAt", func() int64 { return readFile(t, local) })
	t.Logf("cache re-read / local file time ratio: %.2f", cached.Seconds()/file.Seconds())
	t.Logf("cache stats: %+v", c.Stats())
}

// timed runs read, which returns the bytes it read, and logs its rate.
func timed(t *testing.T, what string, read func() int64) time.Duration {
	t.Helper()
	start := time.Now()
	n := read()
	took := time.Since(start)
	t.Logf("%-40s %4d MiB in %7v: %7.1f MiB/s", what, n>>20, took.Round(time.Millisecond),
		float64(n)/(1<<20)/took.Seconds())
	return took
}

func directGet(t *testing.T, client *minio.Client, name string, size int64) int64 {
	opts := minio.GetObjectOptions{}
	opts.SetRange(0, size-1)
	obj, err := client.GetObject(context.Background(), testBucket, name, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	n, err := io.CopyBuffer(io.Discard, obj, make([]byte, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func readSequential(t *testing.T, s blob.Store, key string) int64 {
	r, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return readAtAll(t, r, r.Size())
}

func readFile(t *testing.T, path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, _ := f.Stat()
	return readAtAll(t, f, info.Size())
}

func readAtAll(t *testing.T, r io.ReaderAt, size int64) int64 {
	buf := make([]byte, 1<<20)
	var total int64
	for off := int64(0); off < size; off += int64(len(buf)) {
		n, err := r.ReadAt(buf, off)
		total += int64(n)
		if err != nil && err != io.EOF {
			t.Fatalf("read at %d: %v", off, err)
		}
	}
	return total
}
