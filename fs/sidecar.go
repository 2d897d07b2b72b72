package fs

import (
	"context"
	"sync"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/dlfs/dlfs/meta"
)

// sidecarNode is the virtual X.annotations.json of item X. Writing a JSON
// array of annotations to it replaces X's annotations when the file is
// closed (see sidecarWriter).
type sidecarNode struct {
	gofs.Inode
	fsys   *filesystem
	ds     *meta.Dataset
	dir    string // the item's folder and name when found
	name   string
	itemID string // read-only

	mu      sync.Mutex // protects writers
	writers map[*sidecarWriter]bool
}

var (
	_ gofs.NodeOpener    = (*sidecarNode)(nil)
	_ gofs.NodeGetattrer = (*sidecarNode)(nil)
	_ gofs.NodeSetattrer = (*sidecarNode)(nil)
	_ gofs.FileReader    = (*bytesHandle)(nil)
)

// Getattr gives the sidecar's true length, kept in the item's entry.
func (n *sidecarNode) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	_, d, err := n.fsys.cat.ItemEntry(n.ds.ID, n.itemID)
	if err != nil {
		return n.fsys.errnoOf("getattr", err)
	}
	n.fsys.fillSidecarAttr(&d, &out.Attr)
	if w, ok := f.(*sidecarWriter); ok {
		out.Size = uint64(w.size())
		out.Blocks = (out.Size + 511) / 512
	}
	return 0
}

// Open reads the annotations once; the handle serves that snapshot. A
// handle open for writing collects the new JSON. Sidecar handles bypass
// the kernel's page cache: their length changes when annotations are
// stored (ids are added, the JSON is re-indented).
func (n *sidecarNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	data, err := n.fsys.cat.SidecarJSON(n.ds.ID, n.itemID)
	if err != nil {
		return nil, 0, n.fsys.errnoOf("open", err)
	}
	if flags&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_TRUNC|syscall.O_APPEND) == 0 {
		return &bytesHandle{data: data}, fuse.FOPEN_DIRECT_IO, 0
	}
	if !inDataset(n.EmbeddedInode()) {
		return nil, 0, syscall.EROFS
	}
	if _, errno := n.fsys.target(ctx, n.ds); errno != 0 {
		return nil, 0, errno
	}
	w := &sidecarWriter{node: n, data: data, flags: flags}
	if flags&syscall.O_TRUNC != 0 {
		w.data, w.dirty = nil, true
	}
	n.mu.Lock()
	if n.writers == nil {
		n.writers = map[*sidecarWriter]bool{}
	}
	n.writers[w] = true
	n.mu.Unlock()
	return w, fuse.FOPEN_DIRECT_IO, 0
}

// Setattr accepts a truncate through an open handle (ftruncate), or by
// path while handles are open for writing (the kernel sends open's O_TRUNC
// so), and time, mode or owner changes, which are ignored: the sidecar's
// time is the item's. A truncate by path with no handle open is refused
// (EINVAL): annotations change only when a whole array is written.
func (n *sidecarNode) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn,
	out *fuse.AttrOut) syscall.Errno {
	if size, ok := in.GetSize(); ok {
		if errno := n.truncate(f, int64(size)); errno != 0 {
			return errno
		}
	}
	return n.Getattr(ctx, f, out)
}

// truncate cuts the handle f, or every handle open for writing.
func (n *sidecarNode) truncate(f gofs.FileHandle, size int64) syscall.Errno {
	if w, ok := f.(*sidecarWriter); ok {
		w.truncate(size)
		return 0
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.writers) == 0 {
		n.fsys.log.Info("refused: truncate of an annotations file that is not open for "+
			"writing; write a whole JSON array to it instead", "item", n.itemID)
		return syscall.EINVAL
	}
	for w := range n.writers {
		w.truncate(size)
	}
	return 0
}

// bytesHandle serves a byte slice fixed at open.
type bytesHandle struct {
	data []byte
}

// Read serves a slice of the data.
func (h *bytesHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if off >= int64(len(h.data)) {
		return fuse.ReadResultData(nil), 0
	}
	end := min(off+int64(len(dest)), int64(len(h.data)))
	return fuse.ReadResultData(h.data[off:end]), 0
}

// maxSidecarWrite bounds what one handle may write to a sidecar.
const maxSidecarWrite = 256 << 20

// sidecarWriter collects the JSON written to X.annotations.json and, at
// flush, replaces X's annotations with it when it is valid.
type sidecarWriter struct {
	node  *sidecarNode
	flags uint32 // read-only

	mu    sync.Mutex // protects the fields below
	data  []byte
	dirty bool
}

var (
	_ gofs.FileReader   = (*sidecarWriter)(nil)
	_ gofs.FileWriter   = (*sidecarWriter)(nil)
	_ gofs.FileFlusher  = (*sidecarWriter)(nil)
	_ gofs.FileFsyncer  = (*sidecarWriter)(nil)
	_ gofs.FileReleaser = (*sidecarWriter)(nil)
)

func (w *sidecarWriter) size() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return int64(len(w.data))
}

func (w *sidecarWriter) truncate(size int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if size < int64(len(w.data)) {
		w.data = w.data[:size]
	} else {
		w.data = append(w.data, make([]byte, size-int64(len(w.data)))...)
	}
	w.dirty = true
}

// Read serves what the handle holds now.
func (w *sidecarWriter) Read(ctx context.Context, dest []byte,
	off int64) (fuse.ReadResult, syscall.Errno) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if off >= int64(len(w.data)) {
		return fuse.ReadResultData(nil), 0
	}
	end := min(off+int64(len(dest)), int64(len(w.data)))
	return fuse.ReadResultData(append([]byte(nil), w.data[off:end]...)), 0
}

// Write puts data at off (at the end for O_APPEND).
func (w *sidecarWriter) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.flags&syscall.O_APPEND != 0 {
		off = int64(len(w.data))
	}
	end := off + int64(len(data))
	if end > maxSidecarWrite {
		return 0, syscall.EFBIG
	}
	if end > int64(len(w.data)) {
		w.data = append(w.data, make([]byte, end-int64(len(w.data)))...)
	}
	copy(w.data[off:], data)
	w.dirty = true
	return uint32(len(data)), 0
}

// Flush stores the annotations written since the last flush. Invalid JSON,
// or an annotation without a type, answers EINVAL and keeps the stored
// annotations; the reason is logged.
func (w *sidecarWriter) Flush(ctx context.Context) syscall.Errno {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.dirty {
		return 0
	}
	n := w.node
	anns, err := meta.ParseSidecar(w.data)
	if err == nil {
		err = n.fsys.setAnnotations(n.ds, n.itemID, anns)
	}
	if err != nil {
		return n.fsys.annotationsRefused("flush", joinPath(n.dir, n.name)+sidecarSuffix, err)
	}
	w.dirty = false
	go n.NotifyContent(0, 0) // the stored JSON has another length
	return 0
}

// Release forgets the handle.
func (w *sidecarWriter) Release(ctx context.Context) syscall.Errno {
	w.node.mu.Lock()
	delete(w.node.writers, w)
	w.node.mu.Unlock()
	return 0
}

// Fsync stores the annotations now, as Flush does.
func (w *sidecarWriter) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	return w.Flush(ctx)
}
