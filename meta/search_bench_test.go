package meta_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/meta/query"
)

// benchQuery matches 1 item in 2,000: batch 417 of 1,000, and half of
// those by width, so the planner must prefer the batch index to width's.
const benchQuery = "metadata.user.batch=417 and width>=600"

// BenchmarkSearch generates a dataset of DLFS_BENCH_ITEMS items (default
// 1,000,000; metadata only) and times benchQuery answered from the
// indexes and by a full scan. Run it with `make bench-search`.
func BenchmarkSearch(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("DLFS_BENCH_ITEMS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatalf("DLFS_BENCH_ITEMS: %v", err)
		}
	}
	cat, err := meta.Open(b.TempDir(), meta.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer cat.Close()
	ds, err := cat.CreateDataset("bench", "local")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	generateItems(b, cat, ds, n)
	b.Logf("generated %d items in %v", n, time.Since(start).Round(time.Millisecond))

	q, err := query.Parse(benchQuery)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		indexed, res := timeSearch(b, cat, ds, q, meta.SearchOptions{AllPages: true}, 5)
		scan, scanRes := timeSearch(b, cat, ds, q,
			meta.SearchOptions{AllPages: true, FullScan: true}, 1)
		if len(res.Records) != len(scanRes.Records) || len(res.Records) != n/2000 {
			b.Fatalf("index found %d, scan %d, want %d", len(res.Records),
				len(scanRes.Records), n/2000)
		}
		ratio := float64(scan) / float64(indexed)
		fmt.Printf("search %q over %d items: %d matches\n", benchQuery, n, len(res.Records))
		fmt.Printf("  indexed:   %v (%s)\n", indexed.Round(time.Microsecond), res.Explain)
		fmt.Printf("  full scan: %v (%s)\n", scan.Round(time.Millisecond), scanRes.Explain)
		fmt.Printf("  ratio:     %.0fx (targets: indexed < 100ms, ratio >= 50x)\n", ratio)
		b.ReportMetric(float64(indexed.Microseconds())/1000, "indexed-ms")
		b.ReportMetric(float64(scan.Milliseconds()), "scan-ms")
		b.ReportMetric(ratio, "ratio")
		if res.Explain.Index == "" || ratio < 50 {
			b.Errorf("the index did not help enough: %s, ratio %.1f", res.Explain, ratio)
		}
	}
}

// timeSearch runs the search runs times and returns the fastest time.
func timeSearch(b *testing.B, cat *meta.Catalog, ds *meta.Dataset, q *query.Query,
	opt meta.SearchOptions, runs int) (time.Duration, *meta.Result) {
	var best time.Duration
	var res *meta.Result
	for range runs {
		t0 := time.Now()
		r, err := cat.Search(ds.ID, q, opt)
		if err != nil {
			b.Fatal(err)
		}
		if d := time.Since(t0); best == 0 || d < best {
			best = d
		}
		res = r
	}
	return best, res
}

// generateItems writes n items of 1,000 folders through Tx.PutItem, in
// large transactions.
func generateItems(b *testing.B, cat *meta.Catalog, ds *meta.Dataset, n int) {
	const batch = 2000
	for from := 0; from < n; from += batch {
		err := cat.Update(func(tx *meta.Tx) error {
			for i := from; i < min(from+batch, n); i++ {
				if err := tx.PutItem(ds, benchRecord(i), nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("generate items %d..: %v", from, err)
		}
	}
}

// benchRecord returns item i: user metadata batch i%1000, width 640 for
// i/1000 even and 480 for odd.
func benchRecord(i int) *meta.Record {
	width := 640 - 160*(i/1000%2)
	return &meta.Record{Item: &meta.Item{
		ID:        fmt.Sprintf("%024x", i+1),
		Filename:  fmt.Sprintf("/d%03d/img%07d.jpg", i%1000, i),
		CreatedAt: "2026-01-02T03:04:05.000Z",
		Metadata: map[string]any{
			"system": map[string]any{"mimetype": "image/jpeg", "width": width,
				"height": 480, "size": 10000 + i%50000},
			"user": map[string]any{"batch": i % 1000, "split": "train"},
		},
	}}
}
