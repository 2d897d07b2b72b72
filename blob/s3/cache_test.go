package s3

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/dlfs/dlfs/blob/cache"
)

func TestCacheOverStore(t *testing.T) {
	srv := startServer(t)
	proxy := startFaultProxy(t, srv.endpoint)
	s := openStore(t, proxy.endpoint, "c", Options{})
	ctx := context.Background()
	data := randomBytes(9<<20+123, 31)
	ref, err := s.Put(ctx, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := cache.New(s, t.TempDir(), 64<<20, 0)
	if err != nil {
		t.Fatal(err)
	}

	read := func() {
		r, err := c.Open(ctx, ref.Key)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		got, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read through the cache: %d bytes, %v", len(got), err)
		}
	}
	read()
	if err := c.Close(); err != nil { // waits for chunk writes and the sha256 check
		t.Fatal(err)
	}
	before := proxy.requests.Load()
	read()
	if n := proxy.requests.Load() - before; n != 0 {
		t.Errorf("re-read of a cached blob sent %d requests to S3", n)
	}
	// 3 chunks of 4 MiB: missed once each, hit on the re-read; the whole
	// blob passed its sha256 check, so nothing was dropped as corrupt.
	if st := c.Stats(); st.Misses != 3 || st.Hits != 3 || st.Corrupt != 0 {
		t.Errorf("cache stats %+v, want 3 misses, 3 hits, none corrupt", st)
	}
}
