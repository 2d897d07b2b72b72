package main

import (
	"os"
	"strings"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "unknown CPU"
}

func memTotal() string {
	data, _ := os.ReadFile("/proc/meminfo")
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 2 {
		return "unknown memory"
	}
	return f[1] + " KiB RAM"
}

func kernel() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Release[:])
}

// accessWatch counts opens and reads of the files in one folder, by any
// process, through inotify.
type accessWatch struct {
	fd     int
	events atomic.Int64
}

// watchAccess starts counting accesses to the files in dir.
func watchAccess(dir string) (*accessWatch, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_OPEN|unix.IN_ACCESS); err != nil {
		unix.Close(fd)
		return nil, err
	}
	w := &accessWatch{fd: fd}
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := unix.Read(fd, buf)
			if err != nil || n <= 0 {
				return
			}
			for off := 0; off+unix.SizeofInotifyEvent <= n; {
				ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
				w.events.Add(1)
				off += unix.SizeofInotifyEvent + int(ev.Len)
			}
		}
	}()
	return w, nil
}

// count returns the accesses seen so far.
func (w *accessWatch) count() int64 { return w.events.Load() }

// close stops the watch.
func (w *accessWatch) close() { unix.Close(w.fd) }

// copyXattrs sets on to every attribute that from has, so that native
// figures of attribute reads do the same work as dlfs's.
func copyXattrs(from, to string) error {
	buf := make([]byte, 64<<10)
	n, err := unix.Listxattr(from, buf)
	if err != nil {
		return err
	}
	val := make([]byte, 64<<10)
	for _, name := range strings.Split(string(buf[:n]), "\x00") {
		if name == "" {
			continue
		}
		m, err := unix.Getxattr(from, name, val)
		if err != nil {
			return err
		}
		if err := unix.Setxattr(to, name, val[:m], 0); err != nil {
			return err
		}
	}
	return nil
}
