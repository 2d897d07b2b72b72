package backend

import (
	"testing"

	"github.com/dlfs/dlfs/blob"
)

// spanReader is a blob.Reader that offers one span.
type spanReader struct {
	blob.Reader
	span blob.FileSpan
}

func (s spanReader) ChunkFd(off int64, n int) (blob.FileSpan, bool) { return s.span, true }

// The wrappers around cached readers must pass chunk files through, or
// the filesystem copies every cached read.
func TestWrappersPassChunkFilesThrough(t *testing.T) {
	inner := spanReader{span: blob.FileSpan{Fd: 7, Off: 3, Len: 9}}
	for name, r := range map[string]blob.ChunkFder{
		"headerFirst": &headerFirst{Reader: inner},
		"failFast":    &failFast{Reader: inner},
	} {
		span, ok := r.ChunkFd(0, 9)
		if !ok || span.Fd != 7 || span.Len != 9 {
			t.Errorf("%s: %+v, %v", name, span, ok)
		}
	}
	plain := &failFast{Reader: &headerFirst{}}
	if _, ok := plain.ChunkFd(0, 1); ok {
		t.Error("a reader without chunk files offered one")
	}
}
