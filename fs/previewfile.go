package fs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/render/previewcache"
)

// errNotCached tells go-fuse to send a READDIRPLUS entry without
// attributes (node id 0, which Linux takes as "no lookup information"): the
// kernel then looks the name up when a tool asks for it. Its value is never
// seen by a caller. go-fuse v2.12 keeps the name in the listing when a
// FileLookuper fails; TestPreviewThroughMount lists a cold preview folder
// and would notice a release that drops it.
const errNotCached = syscall.EAGAIN

// previewDirHandle streams a preview folder: its subfolders and its image
// items under their preview names, in the catalog's order.
type previewDirHandle struct {
	node *previewDir

	mu        sync.Mutex // protects the fields below
	page      []meta.Dirent
	pos       int    // next index in page
	after     string // last name read from the catalog
	done      bool   // the catalog has no more entries
	off       uint64 // offset of the last entry produced
	last      found  // the entry produced last
	prefetchd int    // images queued for rendering by this listing
}

var (
	_ gofs.FileReaddirenter = (*previewDirHandle)(nil)
	_ gofs.FileLookuper     = (*previewDirHandle)(nil)
	_ gofs.FileSeekdirer    = (*previewDirHandle)(nil)
)

// Readdirent returns the next folder or image, or nil at the end.
func (h *previewDirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for {
		if h.pos >= len(h.page) {
			if h.done {
				return nil, 0
			}
			if errno := h.fillLocked(); errno != 0 {
				return nil, errno
			}
			continue
		}
		d := h.page[h.pos]
		h.pos++
		f, ok, err := h.entryLocked(d)
		if err != nil {
			return nil, h.node.env.Errno("readdir", err)
		}
		if !ok {
			continue
		}
		h.last = f
		h.off++
		if d.Kind == meta.KindDir {
			return &fuse.DirEntry{Name: d.Name, Mode: syscall.S_IFDIR, Ino: previewIno(d.Inode),
				Off: h.off}, 0
		}
		return &fuse.DirEntry{Name: f.src.PreviewName(), Mode: syscall.S_IFREG,
			Ino: previewIno(d.Inode), Off: h.off}, 0
	}
}

// entryLocked decides whether d is shown: a visible folder, or an image.
// The first images of a listing that are not cached start rendering.
func (h *previewDirHandle) entryLocked(d meta.Dirent) (found, bool, error) {
	if d.Hidden {
		return found{}, false, nil
	}
	switch d.Kind {
	case meta.KindDir:
		return found{d: d}, true, nil
	case meta.KindFile:
	default:
		return found{}, false, nil
	}
	v := h.node.v
	src, ok, err := v.prev.SourceFor(h.node.ds, &d)
	if err != nil || !ok {
		return found{}, false, err
	}
	if h.prefetchd < prefetchAhead {
		if _, cached := v.prev.Cached(&src); !cached {
			h.prefetchd++
			v.prefetch(h.node.ds, src)
		}
	}
	return found{d: d, src: src}, true, nil
}

// fillLocked reads the next page of entries.
func (h *previewDirHandle) fillLocked() syscall.Errno {
	var err error
	h.page, h.after, h.done, err = listPage(h.node.env.Catalog(), h.node.ds.ID, h.node.path,
		h.after, h.page[:0])
	h.pos = 0
	if err != nil {
		return h.node.env.Errno("readdir", err)
	}
	return 0
}

// Lookup answers the READDIRPLUS lookup of the entry just produced: with
// attributes when it is a folder or a cached preview, else without (see
// errNotCached), so that a listing renders nothing.
func (h *previewDirHandle) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	h.mu.Lock()
	f := h.last
	h.mu.Unlock()
	n := h.node
	if f.d.Kind == meta.KindDir && f.d.Name == name {
		return n.dirChild(ctx, &f.d, out), 0
	}
	if f.d.Kind != meta.KindFile || f.src.PreviewName() != name {
		return n.Lookup(ctx, name, out)
	}
	ent, ok := n.v.prev.Cached(&f.src)
	if !ok {
		return nil, errNotCached
	}
	return n.fileChild(ctx, &f, ent.Size, out), 0
}

// Seekdir restarts the listing and skips to offset off.
func (h *previewDirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	h.mu.Lock()
	h.page, h.pos, h.after, h.done, h.off = nil, 0, "", false, 0
	h.mu.Unlock()
	for {
		h.mu.Lock()
		at := h.off
		h.mu.Unlock()
		if at >= off {
			return 0
		}
		de, errno := h.Readdirent(ctx)
		if errno != 0 || de == nil {
			return errno
		}
	}
}

// previewFile is the preview of one image item. It is known by the item's
// id; its content follows the item's current annotations.
type previewFile struct {
	gofs.Inode
	v      *PreviewView
	env    Env
	ds     *meta.Dataset // read-only
	itemID string        // read-only

	mu    sync.Mutex  // protects entry
	entry meta.Dirent // the item's entry when last seen
}

var (
	_ gofs.NodeOpener      = (*previewFile)(nil)
	_ gofs.NodeGetattrer   = (*previewFile)(nil)
	_ gofs.NodeGetxattrer  = (*previewFile)(nil)
	_ gofs.NodeListxattrer = (*previewFile)(nil)
	_ gofs.FileReader      = (*previewHandle)(nil)
	_ gofs.FileReleaser    = (*previewHandle)(nil)
)

// current returns the item's entry and preview, rendering it if needed.
func (n *previewFile) current(ctx context.Context) (meta.Dirent, previewcache.Entry, error) {
	_, d, err := n.env.Catalog().ItemEntry(n.ds.ID, n.itemID)
	if err != nil {
		return meta.Dirent{}, previewcache.Entry{}, err
	}
	n.mu.Lock()
	n.entry = d
	n.mu.Unlock()
	src, ok, err := n.v.prev.SourceFor(n.ds, &d)
	if err == nil && !ok {
		err = meta.ErrNotFound // no longer an image
	}
	if err != nil {
		return meta.Dirent{}, previewcache.Entry{}, err
	}
	ent, err := n.v.prev.Preview(ctx, n.ds, &src)
	return d, ent, err
}

// Getattr gives the preview's true size.
func (n *previewFile) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if h, ok := f.(*previewHandle); ok {
		n.mu.Lock()
		d := n.entry
		n.mu.Unlock()
		fillPreviewFile(n.env, &d, h.size, &out.Attr)
		return 0
	}
	d, ent, err := n.current(ctx)
	if err != nil {
		return n.env.Errno("getattr", err)
	}
	fillPreviewFile(n.env, &d, ent.Size, &out.Attr)
	return 0
}

// Open opens the cached preview file; one evicted meanwhile is rendered
// again.
func (n *previewFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_TRUNC|syscall.O_APPEND) != 0 {
		return nil, 0, syscall.EROFS
	}
	for range 2 {
		_, ent, err := n.current(ctx)
		if err != nil {
			return nil, 0, n.env.Errno("open", err)
		}
		file, err := os.Open(ent.Path)
		if errors.Is(err, os.ErrNotExist) {
			n.v.prev.Cache().Forget(fileKey(ent.Path))
			continue
		}
		if err != nil {
			return nil, 0, n.env.Errno("open", err)
		}
		return &previewHandle{file: file, size: ent.Size}, 0, 0
	}
	return nil, 0, syscall.EIO
}

// Getxattr answers as previewDir.Getxattr does.
func (n *previewFile) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return previewXattr(attr)
}

// Listxattr lists no attributes.
func (n *previewFile) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return 0, 0
}

// previewHandle reads an opened preview file; the file stays readable
// even if the cache evicts it meanwhile.
type previewHandle struct {
	file *os.File // read-only
	size int64    // read-only
}

// Read serves a range of the preview.
func (h *previewHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n, err := h.file.ReadAt(dest, off)
	if err != nil && n == 0 && off < h.size {
		return nil, syscall.EIO
	}
	return fuse.ReadResultData(dest[:n]), 0
}

// Release closes the file.
func (h *previewHandle) Release(ctx context.Context) syscall.Errno {
	h.file.Close()
	return 0
}

// fileKey returns the cache key a preview file is named by.
func fileKey(path string) string {
	return filepath.Base(path)
}
