package fs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/meta"
)

// Options configure a mount.
type Options struct {
	Catalog *meta.Catalog
	// Dataset, when set, is mounted at the root; else every dataset is a
	// top-level folder.
	Dataset *meta.Dataset
	// Blobs opens the blob backend of a dataset; it is called once per
	// dataset and the store kept for the mount's life.
	Blobs func(ctx context.Context, ds *meta.Dataset) (blob.Store, error)

	ReadOnly   bool
	UID, GID   uint32 // owner of every file; default: the mounting user
	AllowOther bool
	// Timeout is how long the kernel may cache entries and attributes;
	// 0 means one hour on read-only mounts (nothing can change them) and
	// one second on writable ones.
	Timeout time.Duration
	// Passthrough lets the kernel read local blobs itself on read-only
	// mounts, where it offers FUSE passthrough (see passthrough.go).
	Passthrough bool
	Logger      *slog.Logger
	Debug       bool
	// Views are the virtual folders under MOUNT/.dlfs/ (query, preview).
	Views []View
	// Instrument, when set, wraps the FUSE filesystem (metrics).
	Instrument func(fuse.RawFileSystem) fuse.RawFileSystem
}

// filesystem is the state shared by every node of one mount.
type filesystem struct {
	cat *meta.Catalog
	opt Options // read-only after Mount
	log *slog.Logger

	passthrough atomic.Bool // reads of local blobs use FUSE passthrough

	unmapped sync.Map    // error texts already logged by errnoOf
	targets  sync.Map    // blob.Store -> *writeTarget: where writes go, per opened store
	xattrs   *xattrCache // read-only mounts only; nil otherwise
	skipLog  onceLogger

	mu     sync.Mutex // protects stores
	stores map[string]blob.Store
}

// store returns the blob backend of ds, opening it on first use.
func (fsys *filesystem) store(ctx context.Context, ds *meta.Dataset) (blob.Store, error) {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	if s, ok := fsys.stores[ds.ID]; ok {
		return s, nil
	}
	s, err := fsys.opt.Blobs(ctx, ds)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", ds.Name, err)
	}
	fsys.stores[ds.ID] = s
	return s, nil
}

// closeStores releases every opened backend.
func (fsys *filesystem) closeStores() {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	for id, s := range fsys.stores {
		s.Close()
		delete(fsys.stores, id)
	}
}

// Server is a running mount.
type Server struct {
	*fuse.Server
	fsys *filesystem
	root *gofs.Inode // the mount's root
}

// Close unmounts (when still mounted) and releases the backends.
func (s *Server) Close() error {
	err := s.Unmount()
	s.fsys.closeStores()
	return err
}

// Mount mounts the filesystem at dir and returns once it is ready.
func Mount(dir string, opt Options) (*Server, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.UID == 0 && opt.GID == 0 {
		opt.UID, opt.GID = uint32(os.Getuid()), uint32(os.Getgid())
	}
	if opt.Timeout == 0 {
		opt.Timeout = time.Second
		if opt.ReadOnly {
			opt.Timeout = time.Hour
		}
	}
	fsys := &filesystem{cat: opt.Catalog, opt: opt, log: opt.Logger,
		stores: map[string]blob.Store{}}
	fsys.skipLog.log = opt.Logger
	if opt.ReadOnly {
		fsys.xattrs = newXattrCache(time.Second)
	}

	var root gofs.InodeEmbedder
	if opt.Dataset != nil {
		root = &dirNode{fsys: fsys, ds: opt.Dataset, path: "/"}
	} else {
		root = &rootNode{fsys: fsys}
	}
	timeout := opt.Timeout
	negative := opt.Timeout
	mopt := &gofs.Options{
		EntryTimeout:    &timeout,
		AttrTimeout:     &timeout,
		NegativeTimeout: &negative,
		UID:             opt.UID,
		GID:             opt.GID,
		Logger:          slog.NewLogLogger(opt.Logger.Handler(), slog.LevelDebug),
	}
	mopt.FsName = "dlfs"
	mopt.Name = "dlfs"
	mopt.AllowOther = opt.AllowOther
	mopt.Debug = opt.Debug
	mopt.MaxReadAhead = 1 << 20
	mopt.MaxWrite = 1 << 20
	// Readdirplus only where the kernel sees stats follow (ls -l), so that
	// a plain find or readdir costs one listing, not a lookup per entry.
	mopt.ExtraCapabilities |= fuse.CAP_READDIRPLUS_AUTO
	if !opt.Passthrough || !opt.ReadOnly {
		mopt.DisabledCapabilities |= fuse.CAP_PASSTHROUGH
	}
	if opt.ReadOnly {
		mopt.Options = append(mopt.Options, "ro")
	}
	srv, err := serve(dir, root, mopt, opt.Instrument)
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", dir, err)
	}
	fsys.startPassthrough(srv)
	return &Server{Server: srv, fsys: fsys, root: root.EmbeddedInode()}, nil
}

// serve mounts root at dir, as gofs.Mount does, with the raw filesystem
// wrapped by instrument when given.
func serve(dir string, root gofs.InodeEmbedder, mopt *gofs.Options,
	instrument func(fuse.RawFileSystem) fuse.RawFileSystem) (*fuse.Server, error) {
	raw := gofs.NewNodeFS(root, mopt)
	if instrument != nil {
		raw = instrument(raw)
	}
	srv, err := fuse.NewServer(raw, dir, &mopt.MountOptions)
	if err != nil {
		return nil, err
	}
	go srv.Serve()
	if err := srv.WaitMount(); err != nil {
		return nil, err
	}
	return srv, nil
}
