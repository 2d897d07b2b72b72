package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/backend"
	"github.com/dlfs/dlfs/blob/local"
	dlfs "github.com/dlfs/dlfs/fs"
	"github.com/dlfs/dlfs/meta"
)

type mountOptions struct {
	dataset    string
	mountpoint string
	readOnly   bool
	uid, gid   int
	allowOther bool
	timeout    time.Duration
	debugFuse  bool
	// passthrough lets the kernel read local blobs on read-only mounts.
	passthrough bool
	backend     backend.Options
}

func mountCommand() *cli.Command {
	return &cli.Command{
		Name:      "mount",
		Usage:     "show datasets as a folder",
		ArgsUsage: "MOUNTPOINT",
		Description: `Mounts one dataset (--dataset) or, without it, every dataset as a top-level
folder. Runs in the foreground until unmounted (dlfs unmount, fusermount3 -u)
or signalled: SIGINT and SIGTERM unmount cleanly. A stale mount point left by
a crashed dlfs is recovered.

Every item is a file at its path, its metadata are extended attributes
(getfattr -d), and X.annotations.json beside each file X holds its
annotations.

The mount is writable unless --read-only is given or the dataset's files
are linked in place: copying files in creates items, mv moves them (ids,
metadata and annotations stay), rm and rmdir remove them, setfattr on
user.dl.metadata.user.NAME sets user metadata, and saving a JSON array to
X.annotations.json replaces X's annotations. A file's new bytes are stored
when it is closed or fsynced.

Examples:
   dlfs mount --dataset fruits ./mnt
   dlfs mount --read-only ./mnt
   cp -r ~/shots ./mnt/train/ && setfattr -n user.dl.metadata.user.reviewed -v true ./mnt/train/a.jpg`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "dataset", Aliases: []string{"d"}, Usage: "mount only dataset `NAME`"},
			&cli.BoolFlag{Name: "read-only", Aliases: []string{"ro"}, Usage: "refuse every change (EROFS)"},
			&cli.IntFlag{Name: "uid", Value: -1, Usage: "owner of every file (default: you)"},
			&cli.IntFlag{Name: "gid", Value: -1, Usage: "group of every file (default: yours)"},
			&cli.BoolFlag{Name: "allow-other", Usage: "let other users see the mount"},
			&cli.DurationFlag{Name: "attr-timeout",
				Usage: "how long the kernel caches entries and attributes (default: 1h " +
					"read-only, 1s writable)"},
			&cli.BoolFlag{Name: "passthrough", Value: true, EnvVars: []string{"DLFS_PASSTHROUGH"},
				Usage: "on read-only mounts, let the kernel read local blobs directly " +
					"(FUSE passthrough: Linux 6.9+, CAP_SYS_ADMIN)"},
			&cli.BoolFlag{Name: "debug-fuse", Usage: "log every FUSE request"},
		}, append(mountBackendFlags(), mountOpsFlags()...)...),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("mount: want one MOUNTPOINT, got %d arguments", c.NArg())
			}
			bopt, err := backendOptions(c, true)
			if err != nil {
				return fmt.Errorf("mount: %w", err)
			}
			return runMount(c, mountOptions{backend: bopt,
				dataset: c.String("dataset"), mountpoint: c.Args().First(),
				readOnly: c.Bool("read-only"), uid: c.Int("uid"), gid: c.Int("gid"),
				allowOther: c.Bool("allow-other"), timeout: c.Duration("attr-timeout"),
				debugFuse: c.Bool("debug-fuse"), passthrough: c.Bool("passthrough"),
			})
		},
	}
}

func runMount(c *cli.Context, opt mountOptions) error {
	if c.Bool("daemon") {
		return startDaemon(c, opt.dataset)
	}
	recoverStaleMount(opt.mountpoint)
	cat, err := openCatalog(c)
	if err != nil {
		return err
	}
	defer cat.Close()
	if err := cleanStaging(cat); err != nil {
		return err
	}

	fopt, err := mountFSOptions(cat, &opt)
	if err != nil {
		return err
	}
	remote, err := openRemoteBackends(c.Context, cat, fopt.Dataset, opt.backend)
	if err != nil {
		return err
	}
	defer remote.closeUnused()
	fopt.Blobs = remote.blobs
	ops := newMountOps(c, cat, &fopt, opt.mountpoint)
	defer ops.close()
	srv, err := dlfs.Mount(opt.mountpoint, fopt)
	if err != nil {
		return err
	}
	raiseReadAhead(opt.mountpoint)
	defer srv.Close()
	if err := ops.ready(srv); err != nil {
		return err
	}

	serveUntilUnmounted(srv, cat.Dir(), opt)
	logger.Info("unmounted", "mountpoint", opt.mountpoint)
	return nil
}

// cleanStaging removes what interrupted writes left in the store's staging
// folder. The catalog lock is held, so no other process writes there.
func cleanStaging(cat *meta.Catalog) error {
	st, err := local.New(cat.Dir())
	if err != nil {
		return fmt.Errorf("mount: %w", err)
	}
	n, err := st.Clean()
	if err != nil {
		return fmt.Errorf("mount: %w", err)
	}
	if n > 0 {
		logger.Info("removed leftovers of interrupted writes", "files", n, "store", cat.Dir())
	}
	return nil
}

// recoverStaleMount detaches a dead FUSE mount left at dir by a crashed
// process ("transport endpoint is not connected").
func recoverStaleMount(dir string) {
	_, err := os.Stat(dir)
	if !errors.Is(err, syscall.ENOTCONN) {
		return
	}
	logger.Warn("recovering a stale mount point", "mountpoint", dir)
	if syscall.Unmount(dir, syscall.MNT_DETACH) == nil {
		return
	}
	if err := unmount(dir, true); err != nil {
		logger.Warn("could not detach the stale mount", "mountpoint", dir, "err", err)
	}
}

// mountFSOptions builds the filesystem's options from the command's. A
// dataset on a linked backend is mounted read-only (opt is updated).
func mountFSOptions(cat *meta.Catalog, opt *mountOptions) (dlfs.Options, error) {
	fopt := dlfs.Options{
		Catalog: cat, ReadOnly: opt.readOnly, AllowOther: opt.allowOther,
		Timeout: opt.timeout, Logger: logger, Debug: opt.debugFuse,
		Passthrough: opt.passthrough,
		Blobs: func(ctx context.Context, ds *meta.Dataset) (blob.Store, error) {
			return openBlobs(ctx, cat, ds, opt.backend)
		},
	}
	fopt.Views = append(fopt.Views, dlfs.NewPreviewView(cat.Dir(), logger))
	fopt.Views = append(fopt.Views, dlfs.NewQueryView(opt.timeout, logger))
	if opt.uid >= 0 {
		fopt.UID = uint32(opt.uid)
	}
	if opt.gid >= 0 {
		fopt.GID = uint32(opt.gid)
	}
	if opt.dataset != "" {
		var err error
		if fopt.Dataset, err = cat.Dataset(opt.dataset); err != nil {
			return fopt, fmt.Errorf("mount: %w", err)
		}
		if !opt.readOnly && strings.HasPrefix(fopt.Dataset.Backend, backend.LinkPrefix) {
			logger.Info("the dataset's files are linked in place and cannot change; "+
				"mounting read-only", "dataset", opt.dataset, "backend", fopt.Dataset.Backend)
			opt.readOnly, fopt.ReadOnly = true, true
		}
	}
	return fopt, nil
}

// serveUntilUnmounted logs the ready line, unmounts on SIGINT or SIGTERM,
// and returns once the mount has ended.
func serveUntilUnmounted(srv *dlfs.Server, store string, opt mountOptions) {
	what := "every dataset"
	if opt.dataset != "" {
		what = "dataset " + opt.dataset
	}
	logger.Info("serving "+what, "mountpoint", opt.mountpoint, "store", store,
		"read_only", opt.readOnly)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	stop, handled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(handled)
		select {
		case s := <-sig:
			logger.Info("unmounting", "signal", s.String())
			if err := srv.Unmount(); err != nil {
				logger.Warn("unmount failed; trying a lazy unmount", "err", err)
				syscall.Unmount(opt.mountpoint, syscall.MNT_DETACH)
			}
		case <-stop:
		}
	}()
	srv.Wait()
	// The caller closes the server next: let a signal's unmount finish
	// first, so that the two never run at once.
	signal.Stop(sig)
	close(stop)
	<-handled
}
