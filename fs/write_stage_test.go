package fs

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/local"
	"github.com/dlfs/dlfs/meta"
)

// stageFixture is a catalog and a local store with one item holding old.
func stageFixture(t *testing.T, old []byte) (*filesystem, *meta.Dataset, *writeTarget, *meta.Record) {
	t.Helper()
	dir := t.TempDir()
	cat, err := meta.Open(dir, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	store, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := cat.CreateDataset("d", "local")
	if err != nil {
		t.Fatal(err)
	}
	blobs := func(context.Context, *meta.Dataset) (blob.Store, error) { return store, nil }
	fsys := &filesystem{cat: cat, log: slog.New(slog.DiscardHandler),
		stores: map[string]blob.Store{}, opt: Options{Blobs: blobs}}
	tgt, errno := fsys.target(context.Background(), ds)
	if errno != 0 {
		t.Fatalf("target: %v", errno)
	}
	ref, err := store.Put(context.Background(), bytes.NewReader(old), int64(len(old)))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := newFileRecord("/a.txt", tgt.empty)
	if err != nil {
		t.Fatal(err)
	}
	rec.Blob = ref.Key
	rec.Item.System()["size"] = len(old)
	if err := cat.Update(func(tx *meta.Tx) error { return tx.PutItem(ds, rec, nil) }); err != nil {
		t.Fatal(err)
	}
	return fsys, ds, tgt, rec
}

// writeAt returns a step writing data at off.
func writeAt(data string, off int64) func(st *stage) error {
	return func(st *stage) error {
		_, err := st.writeAt([]byte(data), off)
		return err
	}
}

func TestStageWritesCommitAndCleanUp(t *testing.T) {
	cases := []struct {
		name  string
		apply func(st *stage) error
		want  string
	}{
		{"overwrite in place", writeAt("HE", 0), "HEllo world"},
		{"append", writeAt("!", 11), "hello world!"},
		{"write past the end", writeAt("x", 13), "hello world\x00\x00x"},
		{"truncate then write", func(st *stage) error {
			if err := st.truncate(0); err != nil {
				return err
			}
			_, err := st.writeAt([]byte("new"), 0)
			return err
		}, "new"},
		{"shorten", func(st *stage) error { return st.truncate(5) }, "hello"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys, ds, tgt, rec := stageFixture(t, []byte("hello world"))
			st, err := newStage(context.Background(), fsys, ds, tgt, rec)
			if err != nil {
				t.Fatal(err)
			}
			st.refs = 1
			if err := c.apply(st); err != nil {
				t.Fatal(err)
			}
			if err := st.commit(context.Background()); err != nil {
				t.Fatalf("commit: %v", err)
			}
			got, _ := fsys.cat.Record(ds.ID, rec.Item.ID)
			data, err := os.ReadFile(filepath.Join(fsys.cat.Dir(), "blobs", got.Blob[:2], got.Blob))
			if err != nil || string(data) != c.want {
				t.Errorf("stored bytes %q (%v), want %q", data, err, c.want)
			}
			if got.Item.Size() != int64(len(c.want)) || got.Item.ID != rec.Item.ID {
				t.Errorf("item after commit: id %s size %d", got.Item.ID, got.Item.Size())
			}
			st.release()
			if left, _ := os.ReadDir(tgt.staging); len(left) != 0 {
				t.Errorf("staging files left: %v", left)
			}
		})
	}
}

func TestStageReadsOldBytesUntilChanged(t *testing.T) {
	fsys, ds, tgt, rec := stageFixture(t, []byte("hello world"))
	st, err := newStage(context.Background(), fsys, ds, tgt, rec)
	if err != nil {
		t.Fatal(err)
	}
	st.refs = 1
	defer st.release()
	buf := make([]byte, 5)
	if n, _ := st.readAt(buf, 6); string(buf[:n]) != "world" {
		t.Errorf("read before a change: %q", buf[:n])
	}
	if left, _ := os.ReadDir(tgt.staging); len(left) != 0 {
		t.Errorf("opening for writing copied the bytes before a change: %v", left)
	}
	if err := st.commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ := fsys.cat.Record(ds.ID, rec.Item.ID); got.Blob != rec.Blob ||
		got.Item.UpdatedAt != rec.Item.UpdatedAt {
		t.Errorf("commit without a change touched the item: %+v", got.Item)
	}
}

func TestStageOfRemovedItemIsDropped(t *testing.T) {
	fsys, ds, tgt, rec := stageFixture(t, []byte("hello"))
	st, err := newStage(context.Background(), fsys, ds, tgt, rec)
	if err != nil {
		t.Fatal(err)
	}
	st.refs = 1
	st.writeAt([]byte("changed"), 0)
	fsys.cat.Update(func(tx *meta.Tx) error { _, err := tx.DeleteItem(ds, rec.Item.ID); return err })
	if err := st.commit(context.Background()); err != nil {
		t.Errorf("commit after the item was removed: %v", err)
	}
	if _, err := fsys.cat.Record(ds.ID, rec.Item.ID); err == nil {
		t.Errorf("the removed item came back")
	}
	st.release()
}
