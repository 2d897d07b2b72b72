package local

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlfs/dlfs/blob"
)

func TestPutOpenDedupe(t *testing.T) {
	ctx := context.Background()
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("dlfs"), 5000)
	sum := sha256.Sum256(data)
	ref, err := s.Put(ctx, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if ref.Key != hex.EncodeToString(sum[:]) || ref.Size != int64(len(data)) {
		t.Errorf("ref %+v", ref)
	}
	again, err := s.Put(ctx, bytes.NewReader(data), -1)
	if err != nil || again != ref {
		t.Errorf("second put: %+v, %v", again, err)
	}
	n := 0
	s.Walk(ctx, func(string, int64) error { n++; return nil })
	if n != 1 {
		t.Errorf("%d blobs stored, want 1", n)
	}
	r, err := s.Open(ctx, ref.Key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	buf := make([]byte, 6)
	if _, err := r.ReadAt(buf, 4*1000+2); err != nil || string(buf) != "fsdlfs" {
		t.Errorf("ReadAt: %q, %v", buf, err)
	}
	if r.Size() != int64(len(data)) {
		t.Errorf("size %d", r.Size())
	}
	if ents, _ := os.ReadDir(s.StagingDir()); len(ents) != 0 {
		t.Errorf("staging keeps %d files", len(ents))
	}
}

func TestPutSizeMismatchStoresNothing(t *testing.T) {
	s, _ := New(t.TempDir())
	_, err := s.Put(context.Background(), strings.NewReader("abc"), 4)
	if !errors.Is(err, blob.ErrSizeMismatch) {
		t.Errorf("put: %v, want ErrSizeMismatch", err)
	}
	n := 0
	s.Walk(context.Background(), func(string, int64) error { n++; return nil })
	ents, _ := os.ReadDir(s.StagingDir())
	if n != 0 || len(ents) != 0 {
		t.Errorf("after a failed put: %d blobs, %d staging files", n, len(ents))
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		f.n--
		return copy(p, "xxxx"), nil
	}
	return 0, io.ErrUnexpectedEOF
}

func TestPutReadErrorAndClean(t *testing.T) {
	s, _ := New(t.TempDir())
	if _, err := s.Put(context.Background(), &failingReader{n: 3}, -1); err == nil {
		t.Error("put from a failing reader succeeded")
	}
	os.WriteFile(filepath.Join(s.StagingDir(), "left-over"), []byte("x"), 0o600)
	if n, err := s.Clean(); n != 1 || err != nil {
		t.Errorf("clean: %d, %v", n, err)
	}
	if _, err := s.Open(context.Background(), strings.Repeat("a", 64)); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("open missing: %v", err)
	}
	if _, err := s.Open(context.Background(), "../../etc/passwd"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("open bad key: %v", err)
	}
}
