package fs

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/dlfs/dlfs/meta"
)

// dirNode is a folder of a dataset.
type dirNode struct {
	gofs.Inode
	fsys *filesystem
	ds   *meta.Dataset // read-only

	mu   sync.Mutex // protects path
	path string     // the folder's path when last asked, "/" for the root

	// statted is set once the kernel looks a child up by name: someone
	// stats entries here (ls -l), so listings answer attributes too.
	statted atomic.Bool
}

var (
	_ gofs.NodeLookuper       = (*dirNode)(nil)
	_ gofs.NodeOpendirHandler = (*dirNode)(nil)
	_ gofs.NodeGetattrer      = (*dirNode)(nil)
	_ gofs.NodeGetxattrer     = (*dirNode)(nil)
	_ gofs.NodeListxattrer    = (*dirNode)(nil)
	_ gofs.FileReaddirenter   = (*dirHandle)(nil)
	_ gofs.FileLookuper       = (*dirHandle)(nil)
	_ gofs.FileSeekdirer      = (*dirHandle)(nil)
	_ gofs.FileReleasedirer   = (*dirHandle)(nil)
	_ gofs.NodeStatfser       = (*dirNode)(nil)
)

// dirPath returns where the folder is now. The inode tree follows renames
// (go-fuse moves a renamed child), so the path is read from it; a folder
// no longer in the tree answers the path it was found at.
func (n *dirNode) dirPath() string {
	n.mu.Lock()
	p := n.path
	n.mu.Unlock()
	if p == "/" {
		return p
	}
	name, parent := n.Parent()
	if parent == nil {
		return p
	}
	pd, ok := parent.Operations().(*dirNode)
	if !ok {
		return p
	}
	p = joinPath(pd.dirPath(), name)
	n.mu.Lock()
	n.path = p
	n.mu.Unlock()
	return p
}

// Lookup finds an entry, or the sidecar of a file entry.
func (n *dirNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	n.statted.Store(true)
	dir := n.dirPath()
	if dir == "/" && name == controlName {
		return n.lookupControl(ctx, out)
	}
	d, err := n.fsys.cat.Lookup(n.ds.ID, dir, name)
	if err == nil && !d.Hidden {
		return n.child(ctx, dir, &d, false, out), 0
	}
	if base, ok := strings.CutSuffix(name, sidecarSuffix); ok && base != "" {
		d, err := n.fsys.cat.Lookup(n.ds.ID, dir, base)
		if err == nil && !d.Hidden && d.Kind == meta.KindFile {
			return n.child(ctx, dir, &d, true, out), 0
		}
	}
	return nil, syscall.ENOENT
}

// child returns the inode of entry d of folder dir (or of its sidecar),
// filling out.
func (n *dirNode) child(ctx context.Context, dir string, d *meta.Dirent, sidecar bool,
	out *fuse.EntryOut) *gofs.Inode {
	fsys := n.fsys
	if sidecar {
		fsys.fillSidecarAttr(d, &out.Attr)
		node := &sidecarNode{fsys: fsys, ds: n.ds, dir: dir, name: d.Name, itemID: d.ItemID}
		return n.NewInode(ctx, node, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: out.Attr.Ino})
	}
	fsys.fillAttr(d, &out.Attr)
	var node gofs.InodeEmbedder
	switch d.Kind {
	case meta.KindDir:
		node = &dirNode{fsys: fsys, ds: n.ds, path: joinPath(dir, d.Name)}
	case meta.KindLink:
		node = &linkNode{fsys: fsys, target: d.Target, entry: *d}
	default:
		node = &fileNode{fsys: fsys, ds: n.ds, dir: dir, name: d.Name, itemID: d.ItemID,
			last: *d, seen: true}
	}
	return n.NewInode(ctx, node, gofs.StableAttr{Mode: modeOf(d), Ino: d.Inode})
}

// Getattr answers the folder's attributes.
func (n *dirNode) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d, err := n.fsys.cat.Stat(n.ds, n.dirPath())
	if err != nil {
		return n.fsys.errnoOf("getattr", err)
	}
	n.fsys.fillAttr(&d, &out.Attr)
	return 0
}

// Statfs reports a filesystem with room, so that tools copying in do not
// give up early.
func (n *dirNode) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	return statfs(n.fsys, out)
}

// OpendirHandle starts a listing.
func (n *dirNode) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	return &dirHandle{node: n, dir: n.dirPath()}, 0, 0
}

// dirHandle streams a folder from the catalog in pages, each file followed
// by its sidecar, and answers READDIRPLUS lookups from the entry it just
// produced, so that `ls -l` costs one prefix scan.
type dirHandle struct {
	node *dirNode
	dir  string

	mu      sync.Mutex // protects the fields below
	page    []meta.Dirent
	pos     int    // next index in page
	after   string // last name read from the catalog
	done    bool   // the catalog has no more entries
	off     uint64 // offset of the last entry produced
	last    meta.Dirent
	sidecar bool // the last entry produced was last's sidecar
	pending bool // last is a file whose sidecar comes next
}

const dirPageSize = 2048

// Readdirent returns the next entry, or nil at the end.
func (h *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pending {
		h.pending, h.sidecar = false, true
		h.off++
		return &fuse.DirEntry{Name: h.last.Name + sidecarSuffix, Mode: syscall.S_IFREG,
			Ino: sidecarIno(h.last.Inode), Off: h.off}, 0
	}
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
		if d.Hidden {
			continue
		}
		h.last, h.sidecar = d, false
		h.pending = d.Kind == meta.KindFile
		h.off++
		return &fuse.DirEntry{Name: d.Name, Mode: modeOf(&d), Ino: d.Inode, Off: h.off}, 0
	}
}

// fillLocked reads the next page of entries.
func (h *dirHandle) fillLocked() syscall.Errno {
	var err error
	h.page, h.after, h.done, err = listPage(h.node.fsys.cat, h.node.ds.ID, h.dir, h.after,
		h.page[:0])
	h.pos = 0
	if err != nil {
		return h.node.fsys.errnoOf("readdir", err)
	}
	return 0
}

// listPage appends to page the next dirPageSize entries of folder dir
// after the name after, and returns them with the last name read and
// whether the folder has no more.
func listPage(cat *meta.Catalog, ds, dir, after string,
	page []meta.Dirent) ([]meta.Dirent, string, bool, error) {
	start := len(page)
	last, err := cat.List(ds, dir, after, dirPageSize, func(d meta.Dirent) bool {
		page = append(page, d)
		return true
	})
	return page, last, len(page)-start < dirPageSize, err
}

// Lookup answers the READDIRPLUS lookup of the entry just produced.
func (h *dirHandle) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	// Until entries of this folder are statted, answer no attributes: the
	// kernel then lists names only and makes no inode per entry, so that
	// find over a million items keeps dlfs's memory small. The kernel asks
	// with READDIRPLUS for a listing's first batch whatever follows.
	if !h.node.statted.Load() {
		return nil, syscall.ENOENT
	}
	h.mu.Lock()
	d, sidecar := h.last, h.sidecar
	h.mu.Unlock()
	want := d.Name
	if sidecar {
		want += sidecarSuffix
	}
	if name != want {
		return h.node.Lookup(ctx, name, out)
	}
	return h.node.child(ctx, h.dir, &d, sidecar, out), 0
}

// Seekdir restarts the listing and skips to offset off.
func (h *dirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	h.mu.Lock()
	h.page, h.pos, h.after, h.done, h.off, h.pending = nil, 0, "", false, 0, false
	h.mu.Unlock()
	for {
		h.mu.Lock()
		at := h.off
		h.mu.Unlock()
		if at >= off {
			return 0
		}
		de, errno := h.Readdirent(ctx)
		if errno != 0 {
			return errno
		}
		if de == nil {
			return 0
		}
	}
}

// Releasedir drops the page.
func (h *dirHandle) Releasedir(ctx context.Context, flags uint32) {
	h.mu.Lock()
	h.page = nil
	h.mu.Unlock()
}

// linkNode is a symlink (a link item, or a member of a collection).
type linkNode struct {
	gofs.Inode
	fsys   *filesystem
	target string
	entry  meta.Dirent
}

var _ gofs.NodeReadlinker = (*linkNode)(nil)

// Readlink returns the link's target.
func (n *linkNode) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	return []byte(n.target), 0
}

// Getattr answers the link's attributes.
func (n *linkNode) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.fsys.fillAttr(&n.entry, &out.Attr)
	return 0
}

// joinPath joins a folder path and a name.
func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// statfs answers a generous, constant filesystem size: the catalog has no
// fixed capacity, and the blob backend's room is not known here.
func statfs(fsys *filesystem, out *fuse.StatfsOut) syscall.Errno {
	const blocks = 1 << 40 >> 12
	out.Bsize, out.Frsize = 4096, 4096
	out.Blocks, out.Bfree, out.Bavail = blocks, blocks, blocks
	out.Files, out.Ffree = 1<<32, 1<<31
	out.NameLen = 255
	return 0
}
