package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// mount is a running FUSE filesystem process.
type mount struct {
	dir   string
	cmd   *exec.Cmd
	log   string // file with the process's output
	ready time.Duration
	done  chan error
}

// mountDlfs starts `dlfs mount` of store at dir and waits until the mount
// answers; ready is how long that took from the process's start.
func (b *bench) mountDlfs(store, dir string, args ...string) (*mount, error) {
	argv := append([]string{"--store", store, "mount"}, b.mountArgs...)
	argv = append(argv, args...)
	argv = append(argv, dir)
	return startMount(dir, b.dlfs, argv...)
}

// mountBindfs mounts src at dir with bindfs, read-only.
func mountBindfs(src, dir string) (*mount, error) {
	return startMount(dir, "bindfs", "-f", "-o", "ro", src, dir)
}

// startMount runs a FUSE server in the foreground and waits for dir to be
// served by it.
func startMount(dir, name string, args ...string) (*mount, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("mount point: %w", err)
	}
	var before syscall.Stat_t
	if err := syscall.Stat(dir, &before); err != nil {
		return nil, fmt.Errorf("mount point: %w", err)
	}
	logf, err := os.Create(dir + ".log")
	if err != nil {
		return nil, fmt.Errorf("mount log: %w", err)
	}
	defer logf.Close()
	m := &mount{dir: dir, log: logf.Name(), done: make(chan error, 1)}
	m.cmd = exec.Command(name, args...)
	m.cmd.Stdout, m.cmd.Stderr = logf, logf
	start := time.Now()
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { m.done <- m.cmd.Wait() }()
	for {
		var st syscall.Stat_t
		if syscall.Stat(dir, &st) == nil && st.Dev != before.Dev {
			m.ready = time.Since(start)
			return m, nil
		}
		select {
		case err := <-m.done:
			out, _ := os.ReadFile(m.log)
			return nil, fmt.Errorf("%s exited before mounting (%v): %s", name, err,
				strings.TrimSpace(string(out)))
		case <-time.After(time.Millisecond):
		}
		if time.Since(start) > 60*time.Second {
			m.stop()
			return nil, fmt.Errorf("%s: %s not mounted after 60 s", name, dir)
		}
	}
}

// pid returns the server's process id.
func (m *mount) pid() int { return m.cmd.Process.Pid }

// output returns what the server logged so far.
func (m *mount) output() string {
	out, _ := os.ReadFile(m.log)
	return string(out)
}

// stop unmounts and waits for the server to exit, detaching the mount
// when it does not go within 20 s.
func (m *mount) stop() {
	if m == nil {
		return
	}
	if err := run("fusermount3", "-u", m.dir); err != nil {
		run("umount", m.dir)
	}
	select {
	case <-m.done:
	case <-time.After(20 * time.Second):
		m.cmd.Process.Signal(syscall.SIGTERM)
		syscall.Unmount(m.dir, syscall.MNT_DETACH)
		select {
		case <-m.done:
		case <-time.After(5 * time.Second):
			m.cmd.Process.Kill()
		}
	}
}

// haveBindfs reports whether bindfs is installed.
func haveBindfs() bool {
	_, err := exec.LookPath("bindfs")
	return err == nil
}

// abs returns p made absolute (p itself when that fails).
func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}
