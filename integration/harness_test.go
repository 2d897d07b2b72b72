package integration

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	fixturesdir "github.com/dlfs/dlfs/internal/fixtures"
)

// dlfsBin is the binary under test, built once by TestMain.
var dlfsBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dlfs-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dlfsBin = filepath.Join(dir, "dlfs")
	build := exec.Command("go", "build", "-race", "-o", dlfsBin, "github.com/dlfs/dlfs/cmd/dlfs")
	if os.Getenv("DLFS_TEST_NORACE") != "" {
		build = exec.Command("go", "build", "-o", dlfsBin, "github.com/dlfs/dlfs/cmd/dlfs")
	}
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build dlfs:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// requireFUSE skips the test where FUSE is missing, and fails it instead
// when CI is set.
func requireFUSE(t testing.TB) {
	t.Helper()
	reason := ""
	if _, err := os.Stat("/dev/fuse"); err != nil {
		reason = "no /dev/fuse on this machine"
	} else if _, err := exec.LookPath("fusermount3"); err != nil {
		reason = "fusermount3 is not installed (make deps installs fuse3)"
	}
	if reason == "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("FUSE is required in CI: %s", reason)
	}
	t.Skipf("needs FUSE: %s", reason)
}

// requireTool skips (or, in CI, fails) when a program the test drives is
// missing.
func requireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI (make deps installs it)", name)
		}
		t.Skipf("needs %s (make deps installs it)", name)
	}
}

// fixtures returns the shared fixtures folder, found beside the repository.
func fixtures(t testing.TB) string { return fixturesdir.Path(t) }

// Store is a dlfs store in a temporary folder.
type Store struct {
	t   testing.TB
	Dir string
}

func newStore(t testing.TB) *Store {
	return &Store{t: t, Dir: t.TempDir()}
}

// Run runs dlfs with the store and returns stdout, stderr and the exit
// status.
func (s *Store) Run(args ...string) (stdout, stderr string, code int) {
	s.t.Helper()
	cmd := exec.Command(dlfsBin, args...)
	cmd.Env = append(os.Environ(), "DLFS_STORE="+s.Dir)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatalf("run dlfs %v: %v", args, err)
	}
	return o.String(), e.String(), code
}

// MustRun runs dlfs and fails the test unless it exits 0.
func (s *Store) MustRun(args ...string) string {
	s.t.Helper()
	out, errOut, code := s.Run(args...)
	if code != 0 {
		s.t.Fatalf("dlfs %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "),
			code, out, errOut)
	}
	return out
}

// Mount is a running `dlfs mount`.
type Mount struct {
	Dir string
	cmd *exec.Cmd
	log *syncBuffer
	t   testing.TB

	waitc     chan error
	unmounted bool
}

// Mount starts `dlfs mount ARGS... DIR` and waits until DIR is mounted; the
// test's cleanup unmounts it.
func (s *Store) Mount(args ...string) *Mount {
	s.t.Helper()
	requireFUSE(s.t)
	return s.MountAt(s.t.TempDir(), args...)
}

// MountAt is Mount at a given mount point.
func (s *Store) MountAt(dir string, args ...string) *Mount {
	s.t.Helper()
	m := &Mount{Dir: dir, log: &syncBuffer{}, t: s.t}
	m.cmd = exec.Command(dlfsBin, append(append([]string{"mount"}, args...), dir)...)
	m.cmd.Env = append(os.Environ(), "DLFS_STORE="+s.Dir)
	m.cmd.Stdout, m.cmd.Stderr = m.log, m.log
	m.cmd.WaitDelay = time.Second
	if err := m.cmd.Start(); err != nil {
		s.t.Fatalf("start dlfs mount: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- m.cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for !isMounted(dir) || !strings.Contains(m.log.String(), "serving") {
		select {
		case err := <-done:
			s.t.Fatalf("dlfs mount exited before mounting: %v\n%s", err, m.log)
		default:
		}
		if time.Now().After(deadline) {
			m.cmd.Process.Kill()
			s.t.Fatalf("dlfs mount: %s not mounted after 20 s\n%s", dir, m.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Cleanup(func() { m.Unmount(done) })
	m.waitc = done
	return m
}

// Unmount ends the mount (once) and waits for the process.
func (m *Mount) Unmount(done chan error) {
	if m.unmounted {
		return
	}
	m.unmounted = true
	if isMounted(m.Dir) {
		out, err := exec.Command("fusermount3", "-u", m.Dir).CombinedOutput()
		if err != nil {
			m.t.Logf("fusermount3 -u %s: %v: %s; detaching", m.Dir, err, out)
			syscall.Unmount(m.Dir, syscall.MNT_DETACH)
		}
	}
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		m.cmd.Process.Kill()
		m.t.Errorf("dlfs mount did not exit after unmount\n%s", m.log)
	}
}

// Stop unmounts now rather than at cleanup.
func (m *Mount) Stop() { m.Unmount(m.waitc) }

// Log returns what the mount process printed so far.
func (m *Mount) Log() string { return m.log.String() }

// isMounted reports whether dir is a mount point, from /proc/self/mountinfo.
func isMounted(dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && unescapeMount(fields[4]) == abs {
			return true
		}
	}
	return false
}

func unescapeMount(s string) string {
	return strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`).Replace(s)
}

// sh runs a program and returns its standard output, failing the test on
// a non-zero exit.
func sh(t testing.TB, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout: %s\nstderr: %s", name, strings.Join(args, " "), err,
			o.String(), e.String())
	}
	return o.String()
}

// shErr runs a program expected to fail and returns its stderr.
func shErr(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var e bytes.Buffer
	cmd.Stderr = &e
	if err := cmd.Run(); err == nil {
		t.Fatalf("%s %s: succeeded, want a failure", name, strings.Join(args, " "))
	}
	return e.String()
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
