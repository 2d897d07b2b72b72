package meta

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestRetainClosesOnce(t *testing.T) {
	c, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.Retain()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Datasets(); err != nil {
		t.Fatalf("catalog closed while a reference remained: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c2, err := Open(c.Dir(), Options{}); err != nil {
		t.Fatalf("the lock was not released by the last Close: %v", err)
	} else {
		c2.Close()
	}
}

func TestWatchSeesCommittedEntries(t *testing.T) {
	c, err := Open(t.TempDir(), Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ds, err := c.CreateDataset("w", "local")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[Change]bool{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- c.Watch(ctx, func(ch Change) {
			mu.Lock()
			seen[ch] = true
			mu.Unlock()
		})
	}()
	time.Sleep(50 * time.Millisecond) // let Watch subscribe

	err = c.Update(func(tx *Tx) error {
		rec := &Record{Item: &Item{ID: NewID(), Filename: "/a/b/c.jpg"}}
		return tx.PutItem(ds, rec, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	bctx, bcancel := context.WithTimeout(ctx, 10*time.Second)
	defer bcancel()
	if err := c.Barrier(bctx); err != nil {
		t.Fatalf("barrier: %v", err)
	}
	mu.Lock()
	for _, want := range []Change{{ds.ID, "/a/b", "c.jpg"}, {ds.ID, "/a", "b"}, {ds.ID, "/", "a"}} {
		if !seen[want] {
			t.Errorf("no change %+v seen before the barrier; seen %v", want, seen)
		}
	}
	mu.Unlock()
	if n, err := c.CountItems(ds.ID); err != nil || n != 1 {
		t.Errorf("CountItems = %d, %v; want 1", n, err)
	}
	cancel()
	<-done
}
