package previewcache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testKey returns a valid key made from s.
func testKey(s string) string {
	return fmt.Sprintf("%064x", []byte(s))[:64]
}

// writeN returns a write function producing n bytes of c.
func writeN(n int, c byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(bytes.Repeat([]byte{c}, n))
		return err
	}
}

func TestGetStoresAndServes(t *testing.T) {
	c, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := testKey("a")
	if _, ok := c.Lookup(k); ok {
		t.Fatal("empty cache answered a lookup")
	}
	ent, err := c.Get(context.Background(), k, writeN(1000, 'x'))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(ent.Path)
	if err != nil || len(data) != 1000 || ent.Size != 1000 {
		t.Fatalf("entry %+v: read %d bytes, %v; want 1000", ent, len(data), err)
	}
	again, err := c.Get(context.Background(), k, func(io.Writer) error {
		t.Error("a cached key was rendered again")
		return nil
	})
	if err != nil || again != ent {
		t.Fatalf("second Get: %+v, %v; want %+v", again, err, ent)
	}
	if _, err := c.Get(context.Background(), "not-a-key", writeN(1, 'x')); err == nil {
		t.Error("a malformed key was accepted")
	}
}

// TestOneRenderingPerKey asks for one key from many goroutines at once.
func TestOneRenderingPerKey(t *testing.T) {
	c, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	release := make(chan struct{})
	write := func(w io.Writer) error {
		calls.Add(1)
		<-release
		_, err := w.Write([]byte("picture"))
		return err
	}
	var wg sync.WaitGroup
	sizes := make([]int64, 16)
	for i := range sizes {
		wg.Go(func() {
			ent, err := c.Get(context.Background(), testKey("same"), write)
			if err != nil {
				t.Error(err)
			}
			sizes[i] = ent.Size
		})
	}
	for !c.Pending(testKey("same")) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let every caller join the flight
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("rendered %d times, want once", n)
	}
	for i, s := range sizes {
		if s != int64(len("picture")) {
			t.Errorf("caller %d got size %d", i, s)
		}
	}
}

// TestWorkerLimit renders many keys at once and counts the overlap.
func TestWorkerLimit(t *testing.T) {
	c, err := Open(t.TempDir(), Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var running, peak atomic.Int32
	write := func(w io.Writer) error {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
		running.Add(-1)
		_, err := w.Write([]byte("x"))
		return err
	}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if _, err := c.Get(context.Background(), testKey(fmt.Sprint(i)), write); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p != 2 {
		t.Errorf("at most %d renderings ran at once, want 2", p)
	}
}

func TestFailedWriteCachesNothing(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	_, err = c.Get(context.Background(), testKey("bad"), func(w io.Writer) error {
		w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Get: %v, want boom", err)
	}
	if files, _ := c.Usage(); files != 0 {
		t.Errorf("%d files cached after a failed write", files)
	}
	if des, _ := os.ReadDir(dir); len(des) != 0 {
		t.Errorf("the folder holds %v after a failed write", des)
	}
	if _, err := c.Get(context.Background(), testKey("bad"), writeN(3, 'y')); err != nil {
		t.Errorf("a key that failed could not be rendered later: %v", err)
	}
}

func TestWaitEndsWithContext(t *testing.T) {
	c, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = c.Get(ctx, testKey("slow"), func(w io.Writer) error {
		<-release
		return nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get: %v, want the deadline", err)
	}
}

// TestEvictsLeastRecentlyUsed fills past the cap: the file not used for
// longest goes, the one just used stays.
func TestEvictsLeastRecentlyUsed(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(dir, Options{MaxBytes: 250})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		if _, err := c.Get(ctx, testKey(k), writeN(100, k[0])); err != nil {
			t.Fatal(err)
		}
	}
	c.Lookup(testKey("a")) // a is now more recent than b
	if _, err := c.Get(ctx, testKey("c"), writeN(100, 'c')); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]bool{"a": true, "b": false, "c": true} {
		_, ok := c.Lookup(testKey(k))
		_, statErr := os.Stat(filepath.Join(dir, testKey(k)))
		if ok != want || (statErr == nil) != want {
			t.Errorf("%s: cached %v, file present %v; want %v", k, ok, statErr == nil, want)
		}
	}
	if files, bytes := c.Usage(); files != 2 || bytes != 200 {
		t.Errorf("usage %d files %d bytes, want 2 and 200", files, bytes)
	}

	// One file larger than the cap is kept: it is what the caller asked for.
	ent, err := c.Get(ctx, testKey("big"), writeN(400, 'z'))
	if err != nil || ent.Size != 400 {
		t.Fatalf("big: %+v, %v", ent, err)
	}
	if files, _ := c.Usage(); files != 1 {
		t.Errorf("%d files after a file over the cap, want only it", files)
	}
}

// TestIndexSurvivesRestart reopens a cache folder: the files are found
// with their sizes, the oldest go first, and leftovers are cleaned.
func TestIndexSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-3 * time.Hour)
	for i, k := range []string{"old", "mid", "new"} {
		p := filepath.Join(dir, testKey(k))
		if err := os.WriteFile(p, bytes.Repeat([]byte{'x'}, 100), 0o644); err != nil {
			t.Fatal(err)
		}
		at := old.Add(time.Duration(i) * time.Hour)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, tmpPrefix+"123"), []byte("partial"), 0o644)
	os.WriteFile(filepath.Join(dir, "README"), []byte("not a preview"), 0o644)

	c, err := Open(dir, Options{MaxBytes: 250})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Lookup(testKey("old")); ok {
		t.Error("the oldest file was kept past the cap")
	}
	for _, k := range []string{"mid", "new"} {
		ent, ok := c.Lookup(testKey(k))
		if !ok || ent.Size != 100 {
			t.Errorf("%s: %+v, %v after restart", k, ent, ok)
		}
	}
	des, _ := os.ReadDir(dir)
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	if strings.Contains(strings.Join(names, " "), tmpPrefix) {
		t.Errorf("temporary file left: %v", names)
	}
	if _, err := os.Stat(filepath.Join(dir, "README")); err != nil {
		t.Errorf("a foreign file was removed: %v", err)
	}
}

// TestUseRefreshesTime checks that a lookup of a stale file refreshes its
// time, so the order after a restart follows use.
func TestUseRefreshesTime(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, testKey("a"))
	os.WriteFile(p, []byte("x"), 0o644)
	stale := time.Now().Add(-2 * touchEvery)
	os.Chtimes(p, stale, stale)
	c, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.Lookup(testKey("a"))
	fi, err := os.Stat(p)
	if err != nil || time.Since(fi.ModTime()) > time.Minute {
		t.Errorf("time after use: %v, %v; want now", fi.ModTime(), err)
	}
}
