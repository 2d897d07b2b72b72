package integration

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// installHelper puts the mount helper and a dlfs beside it in a new
// folder, as `make install` does, and returns the helper's path.
func installHelper(t *testing.T) string {
	t.Helper()
	wd, _ := os.Getwd()
	helper, err := os.ReadFile(filepath.Join(wd, "..", "scripts", "mount.fuse.dlfs"))
	if err != nil {
		t.Fatalf("the mount helper: %v", err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "mount.fuse.dlfs")
	if err := os.WriteFile(p, helper, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dlfsBin, filepath.Join(dir, "dlfs")); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMountHelperTranslatesMountOptions(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	src := importFixture(t, s, "fruits")
	items := readExport(t, src)
	helper := installHelper(t)
	uid, gid := os.Getuid(), os.Getgid()
	if uid == 0 {
		uid, gid = 4321, 4322
	}

	// As mount(8) runs it for `mount -t fuse.dlfs fruits MNT -o ...`.
	mnt := t.TempDir()
	cmd := exec.Command(helper, "fruits", mnt, "-o",
		"ro,uid="+strconv.Itoa(uid)+",gid="+strconv.Itoa(gid)+",store="+s.Dir+",_netdev,noatime")
	cmd.Env = withoutStore(os.Environ())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mount.fuse.dlfs: %v\n%s", err, out)
	}
	st := mountStatus(t, s)
	if len(st) != 1 {
		t.Fatalf("status after the helper: %+v", st)
	}
	t.Cleanup(func() {
		exec.Command("fusermount3", "-u", mnt).Run()
		waitExit(t, st[0].PID)
	})
	checkHelperMount(t, mnt, items, uid, gid)
	s.MustRun("unmount", mnt)
	waitExit(t, st[0].PID)

	realMountThroughHelper(t, s, helper, items)
}

// checkHelperMount checks a read-only mount owned by uid and gid.
func checkHelperMount(t *testing.T, mnt string, items []exportItem, uid, gid int) {
	t.Helper()
	fi, err := os.Stat(filepath.Join(mnt, items[0].str("filename")))
	if err != nil {
		t.Fatal(err)
	}
	if sys := fi.Sys().(*syscall.Stat_t); int(sys.Uid) != uid || int(sys.Gid) != gid {
		t.Errorf("owner %d:%d, want %d:%d (uid=, gid=)", sys.Uid, sys.Gid, uid, gid)
	}
	err = os.WriteFile(filepath.Join(mnt, "new.txt"), []byte("x"), 0o644)
	if !errors.Is(err, syscall.EROFS) {
		t.Errorf("write to a ro mount: %v, want EROFS", err)
	}
}

// realMountThroughHelper runs mount(8) itself: as root, with the helper
// in /sbin for the test's length, unless another mount.fuse.dlfs is there.
func realMountThroughHelper(t *testing.T, s *Store, helper string, items []exportItem) {
	const sbin = "/sbin/mount.fuse.dlfs"
	if os.Getuid() != 0 {
		t.Log("not root: mount(8) itself not tried")
		return
	}
	if _, err := exec.LookPath("mount"); err != nil {
		t.Log("no mount(8): not tried")
		return
	}
	if _, err := os.Lstat(sbin); err == nil {
		t.Logf("%s is installed already: mount(8) itself not tried", sbin)
		return
	}
	if err := os.Symlink(helper, sbin); err != nil {
		t.Logf("cannot install %s: %v", sbin, err)
		return
	}
	t.Cleanup(func() { os.Remove(sbin) })
	mnt := t.TempDir()
	cmd := exec.Command("mount", "-t", "fuse.dlfs", "fruits", mnt, "-o", "ro,store="+s.Dir)
	cmd.Env = append(withoutStore(os.Environ()), "DLFS_BIN="+dlfsBin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mount -t fuse.dlfs: %v\n%s", err, out)
	}
	st := mountStatus(t, s)
	t.Cleanup(func() {
		exec.Command("umount", mnt).Run()
		if len(st) == 1 {
			waitExit(t, st[0].PID)
		}
	})
	for _, it := range items {
		if _, err := os.Stat(filepath.Join(mnt, it.str("filename"))); err != nil {
			t.Errorf("after mount -t fuse.dlfs: %v", err)
		}
	}
	if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
		t.Errorf("umount %s: %v: %s", mnt, err, out)
	}
}

// withoutStore drops DLFS_STORE from an environment.
func withoutStore(env []string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, "DLFS_STORE=") {
			out = append(out, e)
		}
	}
	return out
}
