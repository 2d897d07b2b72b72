package metrics

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/local"
)

// fakeFS answers lookups with ENOENT and reads with 10 bytes.
type fakeFS struct{ fuse.RawFileSystem }

func (fakeFS) Lookup(<-chan struct{}, *fuse.InHeader, string, *fuse.EntryOut) fuse.Status {
	return fuse.ENOENT
}

func (fakeFS) Read(<-chan struct{}, *fuse.ReadIn, []byte) (fuse.ReadResult, fuse.Status) {
	return fuse.ReadResultData(make([]byte, 10)), fuse.OK
}

func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestScrapeShowsOperationsBytesCachesAndItems(t *testing.T) {
	m := New()
	m.SetCaches(func() []CacheStats { return []CacheStats{{Hits: 3, Misses: 2, Bytes: 7}} })
	m.SetCatalog(func() (map[string]int, error) { return map[string]int{"a": 5, "b": 1}, nil })
	raw := m.InstrumentFS(fakeFS{})
	raw.Lookup(nil, &fuse.InHeader{}, "x", &fuse.EntryOut{})
	raw.Read(nil, &fuse.ReadIn{}, nil)
	raw.Read(nil, &fuse.ReadIn{}, nil)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := m.Serve(ctx, "127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	out := scrape(t, addr)
	for _, want := range []string{
		`dlfs_fuse_operation_duration_seconds_count{op="lookup"} 1`,
		`dlfs_fuse_operation_duration_seconds_count{op="read"} 2`,
		`dlfs_fuse_operation_errors_total{errno="ENOENT",op="lookup"} 1`,
		`dlfs_read_bytes_total 20`,
		`dlfs_cache_hits_total 3`, `dlfs_cache_misses_total 2`, `dlfs_cache_bytes 7`,
		`dlfs_datasets 2`, `dlfs_items{dataset="a"} 5`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	if got := m.OpCounts(); got["read"] != 2 || got["lookup"] != 1 || m.BytesRead() != 20 {
		t.Errorf("OpCounts = %v, BytesRead = %d", got, m.BytesRead())
	}
}

func TestStoreCountsCallsAndKeepsFd(t *testing.T) {
	m := New()
	ls, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := m.InstrumentStore("local", ls)
	ctx := context.Background()
	ref, err := s.Put(ctx, bytes.NewReader([]byte("hello")), 5)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Open(ctx, ref.Key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, ok := r.(fder); !ok {
		t.Error("a local reader lost its Fd behind the counting wrapper")
	}
	if _, err := s.Open(ctx, strings.Repeat("0", 64)); err == nil {
		t.Fatal("opened a missing blob")
	}
	if _, ok := s.(blob.LocalPather); !ok {
		t.Error("the wrapper hides LocalPath")
	}
	ctx2, cancel := context.WithCancel(ctx)
	defer cancel()
	addr, err := m.Serve(ctx2, "127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	out := scrape(t, addr)
	for _, want := range []string{
		`dlfs_backend_requests_total{backend="local",method="open"} 2`,
		`dlfs_backend_errors_total{backend="local",method="open"} 1`,
		`dlfs_backend_requests_total{backend="local",method="put"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}
