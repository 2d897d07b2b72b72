package fs

import (
	"context"
	"fmt"
	"os"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/dlfs/dlfs/blob"
)

// FUSE passthrough lets the kernel read a file's bytes straight from a
// backing file, so reads of local blobs cost what reading the blob file
// costs: no round trip through dlfs, and one page cache, the blob file's.
//
// It is used on read-only mounts only. The kernel refuses (EIO) to open a
// file in passthrough mode while it is open in the normal, cached mode and
// the other way round, so a writer would fail while a reader has the file
// open; and go-fuse keeps one backing file per inode while any handle is
// open, which would serve the old bytes to a reader opening a file that
// was just replaced. A read-only mount cannot change (the mount holds the
// catalog's lock), so neither can happen there.

// readOnlyHandle is a fileHandle of a read-only mount. It answers FLUSH
// with ENOSYS, which tells the kernel that no file of the mount needs
// flushing: closes then cost no round trip to dlfs. (Writable mounts store
// written bytes at flush, so they keep it.)
type readOnlyHandle struct {
	*fileHandle
}

var _ gofs.FileFlusher = (*readOnlyHandle)(nil)

// Flush asks the kernel to stop sending flushes.
func (h *readOnlyHandle) Flush(ctx context.Context) syscall.Errno { return syscall.ENOSYS }

// passthroughHandle is a read-only handle whose reads the kernel does
// itself from fd. Read stays for the kernel's fallback.
type passthroughHandle struct {
	*readOnlyHandle
	fd int
}

var _ gofs.FilePassthroughFder = (*passthroughHandle)(nil)

// PassthroughFd returns the blob file's descriptor; go-fuse registers it
// with the kernel at open.
func (h *passthroughHandle) PassthroughFd() (int, bool) { return h.fd, true }

// readHandle returns the handle of a blob opened for reading: on a
// read-only mount a readOnlyHandle, or a passthroughHandle when the mount
// uses passthrough and the blob is a local file.
func (fsys *filesystem) readHandle(r blob.Reader) gofs.FileHandle {
	h := &fileHandle{r: r}
	if !fsys.opt.ReadOnly {
		return h
	}
	ro := &readOnlyHandle{fileHandle: h}
	f, ok := r.(fder)
	if !ok || !fsys.passthrough.Load() {
		return ro
	}
	return &passthroughHandle{readOnlyHandle: ro, fd: int(f.Fd())}
}

// startPassthrough decides, once the kernel has answered INIT, whether
// reads use passthrough, and logs the choice.
func (fsys *filesystem) startPassthrough(srv *fuse.Server) {
	if !fsys.opt.Passthrough {
		fsys.log.Info("reads go through dlfs (splice): passthrough is off (--passthrough=false)")
		return
	}
	if !fsys.opt.ReadOnly {
		fsys.log.Info("reads go through dlfs (splice): passthrough is used on read-only mounts only")
		return
	}
	if err := probePassthrough(srv); err != nil {
		fsys.log.Info("reads go through dlfs (splice): passthrough unavailable", "reason", err)
		return
	}
	fsys.passthrough.Store(true)
	fsys.log.Info("reads of local blobs use FUSE passthrough (the kernel reads the blob files)")
}

// probePassthrough checks that the kernel offers passthrough and accepts
// a backing file from this process (it needs CAP_SYS_ADMIN).
func probePassthrough(srv *fuse.Server) error {
	if srv.KernelSettings().Flags64()&fuse.CAP_PASSTHROUGH == 0 {
		return fmt.Errorf("the kernel does not offer it (Linux 6.9 or later)")
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find a file to probe with: %w", err)
	}
	f, err := os.Open(exe)
	if err != nil {
		return fmt.Errorf("open a file to probe with: %w", err)
	}
	defer f.Close()
	id, errno := srv.RegisterBackingFd(&fuse.BackingMap{Fd: int32(f.Fd())})
	if errno != 0 {
		return fmt.Errorf("the kernel refused a backing file (needs CAP_SYS_ADMIN): %w", errno)
	}
	srv.UnregisterBackingFd(id)
	return nil
}
