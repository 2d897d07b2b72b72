package fs

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/render/previewcache"
)

// PreviewDirName is the preview cache's folder inside the store.
const PreviewDirName = "previews"

// prefetchAhead is how many following images a listing or a lookup that
// had to render starts rendering in the background, so that both workers
// stay busy while a tool stats a folder entry by entry.
const prefetchAhead = 8

// previewInoBit marks the inode numbers of preview files and folders: the
// item's or folder's own number with this bit (and controlInoBase) set.
const previewInoBit = 1 << 60

// PreviewView is MOUNT/.dlfs/preview/: the dataset's folders, and in them
// each image item rendered with its annotations drawn (see package render
// and render/previewcache for the naming and the cache).
//
// Listing a folder costs what a plain listing costs plus one record read
// per file; it renders nothing. The size of a preview is its true length,
// so a lookup (stat, ls -l, open) renders an image that is not cached yet,
// and starts the next few in the background. A READDIRPLUS answer carries
// the attributes of cached previews only; the others are looked up when a
// tool asks, so `ls` and `find` stay fast on a cold cache.
type PreviewView struct {
	storeDir string       // read-only
	log      *slog.Logger // read-only

	init sync.Once
	prev *previewcache.Previewer // set by init
	err  error                   // set by init: the cache could not be opened
	jobs chan prefetchJob        // renderings to start in the background
}

// prefetchJob is one image to render ahead of its lookup.
type prefetchJob struct {
	ds  *meta.Dataset
	src previewcache.Source
}

// NewPreviewView returns the preview view of a mount whose store is
// storeDir; previews are cached in storeDir/previews with the default cap
// and worker count. The cache is opened when the view is first used.
func NewPreviewView(storeDir string, log *slog.Logger) *PreviewView {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &PreviewView{storeDir: storeDir, log: log}
}

// Name answers "preview".
func (v *PreviewView) Name() string { return "preview" }

// Node returns the view's root folder for dataset ds.
func (v *PreviewView) Node(env Env, ds *meta.Dataset) gofs.InodeEmbedder {
	v.start(env)
	return &previewDir{v: v, env: env, ds: ds, path: "/"}
}

// start opens the cache and the prefetch workers, once.
func (v *PreviewView) start(env Env) {
	v.init.Do(func() {
		dir := filepath.Join(v.storeDir, PreviewDirName)
		cache, err := previewcache.Open(dir, previewcache.Options{Logger: v.log})
		if err != nil {
			v.err = err
			v.log.Error("previews unavailable", "dir", dir, "err", err)
			return
		}
		v.prev = previewcache.NewPreviewer(env.Catalog(), cache, env.Blobs, v.log)
		v.jobs = make(chan prefetchJob, 4*prefetchAhead)
		for range previewcache.DefaultWorkers {
			go v.prefetchLoop()
		}
	})
}

// prefetchLoop renders queued images that are not cached or in progress.
func (v *PreviewView) prefetchLoop() {
	for job := range v.jobs {
		if _, ok := v.prev.Cached(&job.src); ok || v.prev.Pending(&job.src) {
			continue
		}
		if _, err := v.prev.Preview(context.Background(), job.ds, &job.src); err != nil {
			v.log.Debug("preview prefetch failed", "item", job.src.ItemID, "err", err)
		}
	}
}

// prefetch queues src unless the queue is full: a prefetch is a hint.
func (v *PreviewView) prefetch(ds *meta.Dataset, src previewcache.Source) {
	select {
	case v.jobs <- prefetchJob{ds: ds, src: src}:
	default:
	}
}

// prefetchAfter queues the images that follow name in folder dir.
func (v *PreviewView) prefetchAfter(ds *meta.Dataset, dir, name string) {
	var next []meta.Dirent
	_, err := v.prev.Catalog().List(ds.ID, dir, name, prefetchAhead, func(d meta.Dirent) bool {
		if d.Kind == meta.KindFile && !d.Hidden {
			next = append(next, d)
		}
		return true
	})
	if err != nil {
		return
	}
	for _, d := range next {
		src, ok, err := v.prev.SourceFor(ds, &d)
		if err == nil && ok {
			v.prefetch(ds, src)
		}
	}
}

// ready answers EIO when the cache could not be opened.
func (v *PreviewView) ready() syscall.Errno {
	if v.err != nil {
		return syscall.EIO
	}
	return 0
}

// previewIno maps an item's or folder's inode number into the view.
func previewIno(ino uint64) uint64 { return controlInoBase | previewInoBit | ino }

// found is a name resolved in a preview folder: a folder, or an image.
type found struct {
	d   meta.Dirent
	src previewcache.Source // for an image
}

// resolve finds name in folder dir of the view. A preview keeps its item's
// name or adds an extension (previewcache.PreviewName), so the name and
// the name without ".png" or ".jpg" are tried.
func (v *PreviewView) resolve(ds *meta.Dataset, dir, name string) (found, error) {
	for i, cand := range previewcache.SourceName(name) {
		d, err := v.prev.Catalog().Lookup(ds.ID, dir, cand)
		if errors.Is(err, meta.ErrNotFound) || err == nil && d.Hidden {
			continue
		}
		if err != nil {
			return found{}, err
		}
		if d.Kind == meta.KindDir && i == 0 {
			return found{d: d}, nil
		}
		if d.Kind != meta.KindFile {
			continue
		}
		src, ok, err := v.prev.SourceFor(ds, &d)
		if err != nil {
			return found{}, err
		}
		if ok && src.PreviewName() == name {
			return found{d: d, src: src}, nil
		}
	}
	return found{}, meta.ErrNotFound
}

// previewDir is a folder of the preview tree.
type previewDir struct {
	gofs.Inode
	v    *PreviewView
	env  Env
	ds   *meta.Dataset // read-only
	path string        // read-only: the folder's path in the dataset
}

var (
	_ gofs.NodeLookuper       = (*previewDir)(nil)
	_ gofs.NodeOpendirHandler = (*previewDir)(nil)
	_ gofs.NodeGetattrer      = (*previewDir)(nil)
	_ gofs.NodeGetxattrer     = (*previewDir)(nil)
	_ gofs.NodeListxattrer    = (*previewDir)(nil)
)

// Lookup finds a subfolder or an image's preview, rendering it when it is
// not cached.
func (n *previewDir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if errno := n.v.ready(); errno != 0 {
		return nil, errno
	}
	f, err := n.v.resolve(n.ds, n.path, name)
	if errors.Is(err, meta.ErrNotFound) {
		return nil, syscall.ENOENT
	}
	if err != nil {
		return nil, n.env.Errno("lookup", err)
	}
	if f.d.Kind == meta.KindDir {
		return n.dirChild(ctx, &f.d, out), 0
	}

	ent, cached := n.v.prev.Cached(&f.src)
	if !cached {
		go n.v.prefetchAfter(n.ds, n.path, f.d.Name)
		if ent, err = n.v.prev.Preview(ctx, n.ds, &f.src); err != nil {
			return nil, n.env.Errno("render", err)
		}
	}
	return n.fileChild(ctx, &f, ent.Size, out), 0
}

// dirChild returns the inode of subfolder d, filling out.
func (n *previewDir) dirChild(ctx context.Context, d *meta.Dirent, out *fuse.EntryOut) *gofs.Inode {
	fillPreviewDir(n.env, d, &out.Attr)
	node := &previewDir{v: n.v, env: n.env, ds: n.ds, path: joinPath(n.path, d.Name)}
	return n.NewInode(ctx, node, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: out.Attr.Ino})
}

// fileChild returns the inode of the preview of f, of size bytes.
func (n *previewDir) fileChild(ctx context.Context, f *found, size int64,
	out *fuse.EntryOut) *gofs.Inode {
	fillPreviewFile(n.env, &f.d, size, &out.Attr)
	node := &previewFile{v: n.v, env: n.env, ds: n.ds, itemID: f.d.ItemID, entry: f.d}
	return n.NewInode(ctx, node, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: out.Attr.Ino})
}

// Getattr answers a read-only folder with the times of the dataset's.
func (n *previewDir) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d, err := n.env.Catalog().Stat(n.ds, n.path)
	if err != nil {
		return n.env.Errno("getattr", err)
	}
	fillPreviewDir(n.env, &d, &out.Attr)
	if n.path == "/" {
		out.Ino = n.StableAttr().Ino
	}
	return 0
}

// Getxattr answers that previews carry no attributes: ENOTSUP for the
// security and ACL names (so ls stops asking), ENODATA for others.
func (n *previewDir) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return previewXattr(attr)
}

// Listxattr lists no attributes.
func (n *previewDir) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return 0, 0
}

// OpendirHandle starts a listing.
func (n *previewDir) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if errno := n.v.ready(); errno != 0 {
		return nil, 0, errno
	}
	return &previewDirHandle{node: n}, 0, 0
}

// fillPreviewDir sets the attributes of a preview folder from its entry.
func fillPreviewDir(env Env, d *meta.Dirent, out *fuse.Attr) {
	env.FillAttr(d, false, out)
	out.Ino = previewIno(d.Inode)
	out.Mode = syscall.S_IFDIR | 0o555
}

// fillPreviewFile sets the attributes of the preview of item entry d.
func fillPreviewFile(env Env, d *meta.Dirent, size int64, out *fuse.Attr) {
	env.FillAttr(d, false, out)
	out.Ino = previewIno(d.Inode)
	out.Mode = syscall.S_IFREG | 0o444
	out.Size = uint64(size)
	out.Blocks = (out.Size + 511) / 512
}

// previewXattr answers a getxattr on the preview tree.
func previewXattr(attr string) (uint32, syscall.Errno) {
	if unsupportedXattr(attr) {
		return 0, syscall.ENOTSUP
	}
	return 0, syscall.ENODATA
}
