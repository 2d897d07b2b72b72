package fs

import (
	"container/list"
	"context"
	"hash/fnv"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/meta/query"
)

// queryInoBit marks the inode numbers of query folders, which are a hash
// of the dataset, the query and the folder's path with this bit and
// controlInoBase set (preview nodes set previewInoBit instead).
const queryInoBit = 1 << 59

// queryCacheSize bounds the answers a QueryView keeps.
const queryCacheSize = 64

// QueryView is MOUNT/.dlfs/query/: each name under it is a query (short
// form or DQL JSON, percent-encoded where it holds '/' or '%'), and the
// folder of that name is the dataset's tree filtered to the matching
// items: the folders that hold matches, the matching files and their
// sidecars, read as they are read elsewhere. A name that does not parse
// answers ENOENT, and the parse error is logged.
//
// A query is answered once (one Catalog.Search, all pages) and its tree
// kept for the mount's attribute timeout, for at most queryCacheSize
// queries; a later lookup answers afresh. The folder query/ itself lists
// nothing.
type QueryView struct {
	ttl time.Duration // read-only
	log *slog.Logger  // read-only

	mu    sync.Mutex // protects the fields below
	lru   *list.List // of *queryAnswer, most recently used first
	byKey map[string]*list.Element
}

// queryAnswer is a cached answer: the tree of one query over one dataset.
type queryAnswer struct {
	key     string
	tree    *queryTree
	expires time.Time
}

// NewQueryView returns the query view of a mount whose kernel caches
// entries for ttl: answers are kept that long (one second when ttl is 0).
// log receives the errors of queries that do not parse.
func NewQueryView(ttl time.Duration, log *slog.Logger) *QueryView {
	if ttl <= 0 {
		ttl = time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &QueryView{ttl: ttl, log: log, lru: list.New(), byKey: map[string]*list.Element{}}
}

// Name answers "query".
func (v *QueryView) Name() string { return "query" }

// Node returns the folder query/ of dataset ds.
func (v *QueryView) Node(env Env, ds *meta.Dataset) gofs.InodeEmbedder {
	return &queryRoot{v: v, env: env, ds: ds}
}

// answer returns the tree of q over ds, from the cache when fresh.
func (v *QueryView) answer(env Env, ds *meta.Dataset, q *query.Query) (*queryTree, error) {
	key := ds.ID + "\x00" + q.String()
	now := time.Now()
	v.mu.Lock()
	if el, ok := v.byKey[key]; ok {
		a := el.Value.(*queryAnswer)
		if now.Before(a.expires) {
			v.lru.MoveToFront(el)
			v.mu.Unlock()
			return a.tree, nil
		}
	}
	v.mu.Unlock()

	tree, err := buildQueryTree(env.Catalog(), ds, q)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if el, ok := v.byKey[key]; ok {
		v.lru.Remove(el)
	}
	v.byKey[key] = v.lru.PushFront(&queryAnswer{key: key, tree: tree, expires: now.Add(v.ttl)})
	for v.lru.Len() > queryCacheSize {
		old := v.lru.Remove(v.lru.Back()).(*queryAnswer)
		delete(v.byKey, old.key)
	}
	return tree, nil
}

// queryTree is the answer of a query as folders: for each folder path
// that holds a match, its subfolders and matching files.
type queryTree struct {
	dirs map[string]*queryFolder
}

// queryFolder is one folder of a queryTree.
type queryFolder struct {
	subdirs []string               // names, sorted
	files   map[string]meta.Dirent // by name
}

// buildQueryTree searches ds for q and places each match in its folder.
// TODO: the tree holds every match; a query matching millions of items
// costs memory in proportion (bounded only by queryCacheSize answers).
func buildQueryTree(cat *meta.Catalog, ds *meta.Dataset, q *query.Query) (*queryTree, error) {
	res, err := cat.Search(ds.ID, q, meta.SearchOptions{AllPages: true})
	if err != nil {
		return nil, err
	}
	t := &queryTree{dirs: map[string]*queryFolder{}}
	t.folder("/")
	for _, rec := range res.Records {
		dir, name := meta.SplitPath(rec.Item.Filename)
		d, err := cat.Lookup(ds.ID, dir, name)
		if err != nil {
			continue // changed since the search; the next answer will tell
		}
		switch d.Kind {
		case meta.KindDir:
			t.folder(rec.Item.Filename)
		case meta.KindFile:
			t.folder(dir).files[name] = d
		}
	}
	for _, f := range t.dirs {
		slices.Sort(f.subdirs)
	}
	return t, nil
}

// folder returns the folder at path, adding it and its parents.
func (t *queryTree) folder(path string) *queryFolder {
	if f, ok := t.dirs[path]; ok {
		return f
	}
	f := &queryFolder{files: map[string]meta.Dirent{}}
	t.dirs[path] = f
	if path != "/" {
		parent, name := meta.SplitPath(path)
		p := t.folder(parent)
		p.subdirs = append(p.subdirs, name)
	}
	return f
}

// queryRoot is .dlfs/query/ of one dataset: it resolves query names.
type queryRoot struct {
	gofs.Inode
	v   *QueryView
	env Env
	ds  *meta.Dataset // read-only
}

var (
	_ gofs.NodeLookuper  = (*queryRoot)(nil)
	_ gofs.NodeReaddirer = (*queryRoot)(nil)
	_ gofs.NodeGetattrer = (*queryRoot)(nil)
)

// Lookup parses name as a query and answers the folder of its matches.
func (n *queryRoot) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	text, err := url.PathUnescape(name)
	if err != nil {
		n.v.log.Warn("query folder: bad percent-encoding", "query", name, "err", err)
		return nil, syscall.ENOENT
	}
	q, err := query.Parse(text)
	if err != nil {
		n.v.log.Warn("query folder: the query does not parse", "query", text, "err", err)
		return nil, syscall.ENOENT
	}
	if _, err := n.v.answer(n.env, n.ds, q); err != nil {
		return nil, n.env.Errno("query", err)
	}
	dir := &queryDir{v: n.v, env: n.env, ds: n.ds, q: q, path: "/"}
	dir.fillAttr(&out.Attr)
	return n.NewInode(ctx, dir, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: out.Attr.Ino}), 0
}

// Readdir lists nothing: queries are reached by name.
func (n *queryRoot) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	return gofs.NewListDirStream(nil), 0
}

// Getattr answers a read-only folder.
func (n *queryRoot) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	fillQueryDirAttr(n.env, n.StableAttr().Ino, &out.Attr)
	return 0
}

// queryDir is a folder of a query's tree.
type queryDir struct {
	gofs.Inode
	v    *QueryView
	env  Env
	ds   *meta.Dataset // read-only
	q    *query.Query  // read-only
	path string        // read-only: the folder's path in the dataset
}

var (
	_ gofs.NodeLookuper  = (*queryDir)(nil)
	_ gofs.NodeReaddirer = (*queryDir)(nil)
	_ gofs.NodeGetattrer = (*queryDir)(nil)
)

// folder returns this folder in the query's current answer.
func (n *queryDir) folder() (*queryFolder, syscall.Errno) {
	tree, err := n.v.answer(n.env, n.ds, n.q)
	if err != nil {
		return nil, n.env.Errno("query", err)
	}
	f, ok := tree.dirs[n.path]
	if !ok {
		return nil, syscall.ENOENT // no match left below this folder
	}
	return f, 0
}

// Lookup finds a subfolder, a matching file or its sidecar.
func (n *queryDir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	f, errno := n.folder()
	if errno != 0 {
		return nil, errno
	}
	if slices.Contains(f.subdirs, name) {
		sub := &queryDir{v: n.v, env: n.env, ds: n.ds, q: n.q, path: joinPath(n.path, name)}
		sub.fillAttr(&out.Attr)
		return n.NewInode(ctx, sub, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: out.Attr.Ino}), 0
	}
	if d, ok := f.files[name]; ok {
		n.env.FillAttr(&d, false, &out.Attr)
		node := n.env.FileNode(n.ds, n.path, &d)
		return n.NewInode(ctx, node, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: d.Inode}), 0
	}
	if base, ok := cutSidecar(name); ok {
		if d, ok := f.files[base]; ok {
			n.env.FillAttr(&d, true, &out.Attr)
			node := n.env.SidecarNode(n.ds, n.path, &d)
			return n.NewInode(ctx, node, gofs.StableAttr{Mode: syscall.S_IFREG,
				Ino: out.Attr.Ino}), 0
		}
	}
	return nil, syscall.ENOENT
}

// cutSidecar returns the item name of a sidecar name.
func cutSidecar(name string) (string, bool) {
	if len(name) <= len(sidecarSuffix) || name[len(name)-len(sidecarSuffix):] != sidecarSuffix {
		return "", false
	}
	return name[:len(name)-len(sidecarSuffix)], true
}

// Readdir lists the subfolders, then each matching file and its sidecar,
// in name order.
func (n *queryDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	f, errno := n.folder()
	if errno != 0 {
		return nil, errno
	}
	var ents []fuse.DirEntry
	for _, name := range f.subdirs {
		ents = append(ents, fuse.DirEntry{Name: name, Mode: syscall.S_IFDIR,
			Ino: queryIno(n.ds, n.q.String(), joinPath(n.path, name))})
	}
	names := make([]string, 0, len(f.files))
	for name := range f.files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		d := f.files[name]
		var side fuse.Attr
		n.env.FillAttr(&d, true, &side)
		ents = append(ents,
			fuse.DirEntry{Name: name, Mode: syscall.S_IFREG, Ino: d.Inode},
			fuse.DirEntry{Name: name + sidecarSuffix, Mode: syscall.S_IFREG, Ino: side.Ino})
	}
	return gofs.NewListDirStream(ents), 0
}

// Getattr answers a read-only folder.
func (n *queryDir) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.fillAttr(&out.Attr)
	return 0
}

func (n *queryDir) fillAttr(out *fuse.Attr) {
	fillQueryDirAttr(n.env, queryIno(n.ds, n.q.String(), n.path), out)
}

// fillQueryDirAttr sets the attributes of a virtual, read-only folder.
func fillQueryDirAttr(env Env, ino uint64, out *fuse.Attr) {
	env.FillAttr(&meta.Dirent{Kind: meta.KindDir, Inode: ino}, false, out)
	out.Mode = syscall.S_IFDIR | 0o555
}

// queryIno returns the stable inode number of folder path of query q
// over ds.
func queryIno(ds *meta.Dataset, q, path string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(ds.ID))
	h.Write([]byte{0})
	h.Write([]byte(q))
	h.Write([]byte{0})
	h.Write([]byte(path))
	return controlInoBase | queryInoBit | h.Sum64()&(queryInoBit-1)
}
