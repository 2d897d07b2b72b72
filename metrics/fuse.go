package metrics

import (
	"strings"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// rawFS times the operations of a FUSE filesystem. Operations it does not
// list (locks, ioctl, forget, ...) pass through untimed.
type rawFS struct {
	fuse.RawFileSystem
	m *Metrics
}

// InstrumentFS returns raw with its main operations timed and counted,
// and the bytes of reads and writes counted.
func (m *Metrics) InstrumentFS(raw fuse.RawFileSystem) fuse.RawFileSystem {
	return &rawFS{RawFileSystem: raw, m: m}
}

// done records one operation that started at start and answered st.
func (r *rawFS) done(op string, start time.Time, st fuse.Status) {
	r.m.opSeconds.WithLabelValues(op).Observe(time.Since(start).Seconds())
	r.m.countOp(op)
	if st != fuse.OK {
		r.m.opErrors.WithLabelValues(op, errnoName(st)).Inc()
	}
}

// errnoNames names the errnos a mount answers.
var errnoNames = map[syscall.Errno]string{
	syscall.ENOENT: "ENOENT", syscall.EIO: "EIO", syscall.EROFS: "EROFS",
	syscall.EINVAL: "EINVAL", syscall.EPERM: "EPERM", syscall.E2BIG: "E2BIG",
	syscall.ENOTSUP: "ENOTSUP", syscall.ENODATA: "ENODATA", syscall.EEXIST: "EEXIST",
	syscall.ENOTEMPTY: "ENOTEMPTY", syscall.EACCES: "EACCES", syscall.EINTR: "EINTR",
	syscall.ERANGE: "ERANGE", syscall.ENOSYS: "ENOSYS", syscall.EBADF: "EBADF",
	syscall.EISDIR: "EISDIR", syscall.ENOTDIR: "ENOTDIR", syscall.EXDEV: "EXDEV",
}

func errnoName(st fuse.Status) string {
	if e, ok := errnoNames[syscall.Errno(st)]; ok {
		return e
	}
	return strings.ToUpper(syscall.Errno(st).Error())
}

func (r *rawFS) Lookup(c <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.Lookup(c, h, name, out)
	r.done("lookup", start, st)
	return st
}

func (r *rawFS) GetAttr(c <-chan struct{}, in *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.GetAttr(c, in, out)
	r.done("getattr", start, st)
	return st
}

func (r *rawFS) SetAttr(c <-chan struct{}, in *fuse.SetAttrIn, out *fuse.AttrOut) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.SetAttr(c, in, out)
	r.done("setattr", start, st)
	return st
}

func (r *rawFS) Mkdir(c <-chan struct{}, in *fuse.MkdirIn, name string, out *fuse.EntryOut) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.Mkdir(c, in, name, out)
	r.done("mkdir", start, st)
	return st
}

func (r *rawFS) Unlink(c <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.Unlink(c, h, name)
	r.done("unlink", start, st)
	return st
}

func (r *rawFS) Rmdir(c <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.Rmdir(c, h, name)
	r.done("rmdir", start, st)
	return st
}

func (r *rawFS) Rename(c <-chan struct{}, in *fuse.RenameIn, oldName, newName string) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.Rename(c, in, oldName, newName)
	r.done("rename", start, st)
	return st
}

func (r *rawFS) SetXAttr(c <-chan struct{}, in *fuse.SetXAttrIn, attr string, data []byte) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.SetXAttr(c, in, attr, data)
	r.done("setxattr", start, st)
	return st
}

func (r *rawFS) RemoveXAttr(c <-chan struct{}, h *fuse.InHeader, attr string) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.RemoveXAttr(c, h, attr)
	r.done("removexattr", start, st)
	return st
}

func (r *rawFS) Create(c <-chan struct{}, in *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.Create(c, in, name, out)
	r.done("create", start, st)
	return st
}

func (r *rawFS) Open(c <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.Open(c, in, out)
	r.done("open", start, st)
	return st
}

func (r *rawFS) Flush(c <-chan struct{}, in *fuse.FlushIn) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.Flush(c, in)
	r.done("flush", start, st)
	return st
}

func (r *rawFS) Fsync(c <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.Fsync(c, in)
	r.done("fsync", start, st)
	return st
}

func (r *rawFS) OpenDir(c <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.OpenDir(c, in, out)
	r.done("opendir", start, st)
	return st
}

func (r *rawFS) ReadDir(c <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.ReadDir(c, in, out)
	r.done("readdir", start, st)
	return st
}

func (r *rawFS) ReadDirPlus(c <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.ReadDirPlus(c, in, out)
	r.done("readdirplus", start, st)
	return st
}

func (r *rawFS) StatFs(c <-chan struct{}, h *fuse.InHeader, out *fuse.StatfsOut) fuse.Status {
	start := time.Now()
	st := r.RawFileSystem.StatFs(c, h, out)
	r.done("statfs", start, st)
	return st
}

func (r *rawFS) Readlink(c <-chan struct{}, h *fuse.InHeader) ([]byte, fuse.Status) {
	start := time.Now()
	out, st := r.RawFileSystem.Readlink(c, h)
	r.done("readlink", start, st)
	return out, st
}

func (r *rawFS) GetXAttr(c <-chan struct{}, h *fuse.InHeader, attr string, dest []byte) (uint32, fuse.Status) {
	start := time.Now()
	n, st := r.RawFileSystem.GetXAttr(c, h, attr, dest)
	r.done("getxattr", start, st)
	return n, st
}

func (r *rawFS) ListXAttr(c <-chan struct{}, h *fuse.InHeader, dest []byte) (uint32, fuse.Status) {
	start := time.Now()
	n, st := r.RawFileSystem.ListXAttr(c, h, dest)
	r.done("listxattr", start, st)
	return n, st
}

func (r *rawFS) Read(c <-chan struct{}, in *fuse.ReadIn, buf []byte) (fuse.ReadResult, fuse.Status) {
	start := time.Now()
	res, st := r.RawFileSystem.Read(c, in, buf)
	r.done("read", start, st)
	if st == fuse.OK && res != nil {
		// A spliced local file reports the size asked for; at the end of
		// the file that counts a little more than was read.
		n := res.Size()
		r.m.readBytes.Add(float64(n))
		r.m.readTotal.Add(uint64(n))
	}
	return res, st
}

func (r *rawFS) Write(c <-chan struct{}, in *fuse.WriteIn, data []byte) (uint32, fuse.Status) {
	start := time.Now()
	n, st := r.RawFileSystem.Write(c, in, data)
	r.done("write", start, st)
	r.m.writeBytes.Add(float64(n))
	return n, st
}

func (r *rawFS) Release(c <-chan struct{}, in *fuse.ReleaseIn) {
	start := time.Now()
	r.RawFileSystem.Release(c, in)
	r.done("release", start, fuse.OK)
}
