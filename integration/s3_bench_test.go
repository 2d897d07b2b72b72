package integration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// benchRuns is how many times each case is measured; the best counts.
const benchRuns = 3

// TestS3Bench measures, in one run against one versitygw on loopback:
// a sequential read through the mount of an S3 dataset without a disk
// cache against a direct ranged download with minio-go, and a re-read
// served by the disk cache against the same file on the local backend.
// It runs only with DLFS_BENCH=1 (make bench-s3); DLFS_BENCH_MB sets the
// file size (default 256).
func TestS3Bench(t *testing.T) {
	if os.Getenv("DLFS_BENCH") == "" {
		t.Skip("a benchmark: run with DLFS_BENCH=1 (make bench-s3)")
	}
	if os.Getenv("DLFS_TEST_NORACE") == "" {
		t.Log("warning: dlfs is built with the race detector; set DLFS_TEST_NORACE=1")
	}
	requireFUSE(t)
	srv := startS3(t)
	mb := 256
	if v, err := strconv.Atoi(os.Getenv("DLFS_BENCH_MB")); err == nil && v > 0 {
		mb = v
	}
	size := int64(mb) << 20
	dir := t.TempDir()
	data := randomData(int(size), 42)
	sum := sha256.Sum256(data)
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	data = nil
	s := newStore(t)
	s.MustRun("import", "--dataset", "s3", "--backend", s3URL(srv.endpoint, "bench"), dir)
	s.MustRun("import", "--dataset", "local", dir)
	key := hex.EncodeToString(sum[:])
	object := "bench/blobs/" + key[:2] + "/" + key[2:]

	cacheDir := t.TempDir()
	cacheArgs := []string{"--cache-dir", cacheDir, "--cache-max-size", strconv.Itoa(2*mb) + "M"}
	m := s.Mount(append([]string{"--dataset", "s3"}, cacheArgs...)...)
	coldCache := readThrough(t, filepath.Join(m.Dir, "big.bin"), size)
	m.Stop()

	// The cases take turns, each on a fresh mount (an empty page cache), so
	// that the load of a shared machine weighs on all of them alike.
	mounted := func(args ...string) func() float64 {
		return func() float64 {
			m := s.Mount(args...)
			defer m.Stop()
			return readThrough(t, filepath.Join(m.Dir, "big.bin"), size)
		}
	}
	cases := []func() float64{
		func() float64 { return directDownload(t, srv, object, size) },
		mounted("--dataset", "s3", "--cache-max-size", "0"),
		mounted(append([]string{"--dataset", "s3"}, cacheArgs...)...),
		mounted("--dataset", "local"),
	}
	top := make([]float64, len(cases))
	for range benchRuns {
		for i, measure := range cases {
			top[i] = max(top[i], measure())
		}
	}
	direct, uncached, cached, local := top[0], top[1], top[2], top[3]

	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("\nS3 backend, %d MiB file, versitygw on loopback, best of %d; load %s\n",
		mb, benchRuns, strings.TrimSpace(string(load)))
	fmt.Printf("%-44s %10s %8s %8s\n", "case", "MiB/s", "ratio", "target")
	fmt.Printf("%-44s %10.0f %8s %8s\n", "direct ranged GET (minio-go)", direct, "", "")
	fmt.Printf("%-44s %10.0f %8.2f %8s\n", "mount, S3, no disk cache, sequential read",
		uncached, uncached/direct, ">= 0.80")
	fmt.Printf("%-44s %10.0f %8.2f %8s\n", "mount, S3, first read filling the cache",
		coldCache, coldCache/direct, "")
	fmt.Printf("%-44s %10.0f %8s %8s\n", "mount, local backend", local, "", "")
	fmt.Printf("%-44s %10.0f %8.2f %8s\n", "mount, S3, re-read from the disk cache",
		cached, cached/local, ">= 0.90")
}

// directDownload reads the object with one ranged GET over all of it and
// returns MiB/s.
func directDownload(t *testing.T, srv *s3Server, object string, size int64) float64 {
	t.Helper()
	ctx := context.Background()
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(0, size-1); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	obj, err := srv.client.GetObject(ctx, s3Bucket, object, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	n, err := io.CopyBuffer(io.Discard, obj, make([]byte, 1<<20))
	if err != nil || n != size {
		t.Fatalf("download %s: %d bytes, %v", object, n, err)
	}
	return mibPerSec(n, time.Since(start))
}

// readThrough reads path from start to end with 1 MiB reads and returns
// MiB/s.
func readThrough(t *testing.T, path string, size int64) float64 {
	t.Helper()
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, make([]byte, 1<<20))
	if err != nil || n != size {
		t.Fatalf("read %s: %d bytes, %v", path, n, err)
	}
	return mibPerSec(n, time.Since(start))
}

func mibPerSec(n int64, d time.Duration) float64 {
	return float64(n) / (1 << 20) / d.Seconds()
}
