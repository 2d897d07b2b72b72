package integration

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkg/xattr"
)

// exportItem is what the tests read of a fixture item JSON.
type exportItem struct {
	path string         // the JSON file
	raw  map[string]any // the whole JSON
}

func (e exportItem) str(k string) string { s, _ := e.raw[k].(string); return s }

func (e exportItem) system() map[string]any {
	md, _ := e.raw["metadata"].(map[string]any)
	sys, _ := md["system"].(map[string]any)
	return sys
}

// readExport reads every item JSON of the fixture export.
func readExport(t *testing.T, dir string) []exportItem {
	t.Helper()
	var out []exportItem
	err := filepath.WalkDir(filepath.Join(dir, "json"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var raw map[string]any
		if err := json.Unmarshal(data, &raw); err != nil {
			return err
		}
		out = append(out, exportItem{path: p, raw: raw})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func importFixture(t *testing.T, s *Store, name string) string {
	t.Helper()
	src := filepath.Join(fixtures(t), "dataloop-export")
	out := s.MustRun("import", "--dataset", name, src)
	if !strings.Contains(out, "15 items stored") || !strings.Contains(out, "66 annotations") {
		t.Fatalf("import of the fixture export: %q, want 15 items and 66 annotations", out)
	}
	return src
}

func TestMountShowsExportAsFiles(t *testing.T) {
	requireFUSE(t)
	requireTool(t, "getfattr")
	requireTool(t, "python3")
	s := newStore(t)
	src := importFixture(t, s, "fruits")
	m := s.Mount("--dataset", "fruits")
	items := readExport(t, src)

	for _, it := range items {
		fn := it.str("filename")
		got := filepath.Join(m.Dir, fn)
		sh(t, "cmp", got, filepath.Join(src, "items", fn))

		var st syscall.Stat_t
		if err := syscall.Stat(got, &st); err != nil {
			t.Fatal(err)
		}
		if want := int64(it.system()["size"].(float64)); st.Size != want {
			t.Errorf("%s: stat size %d, metadata.system.size %d", fn, st.Size, want)
		}
		wantTime := it.str("updatedAt")
		if wantTime == "" {
			wantTime = it.str("createdAt")
		}
		wt, _ := time.Parse(time.RFC3339Nano, wantTime)
		if mt := time.Unix(st.Mtim.Sec, st.Mtim.Nsec); !mt.Equal(wt) {
			t.Errorf("%s: mtime %s, want %s", fn, mt.UTC(), wantTime)
		}

		ct, _ := time.Parse(time.RFC3339Nano, it.str("createdAt"))
		if birth := strings.TrimSpace(sh(t, "stat", "-c", "%W", got)); birth != strconv.FormatInt(ct.Unix(), 10) {
			t.Errorf("%s: birth time %s, want createdAt %s", fn, birth, it.str("createdAt"))
		}
		if id := getfattr(t, got, "user.dl.id"); id != it.str("id") {
			t.Errorf("%s: user.dl.id %q, want %q", fn, id, it.str("id"))
		}
		if w, ok := it.system()["width"].(float64); ok {
			if got := getfattr(t, got, "user.dl.metadata.system.width"); got != strconv.Itoa(int(w)) {
				t.Errorf("%s: width xattr %q, want %v", fn, got, w)
			}
		}
		checkSidecar(t, got+".annotations.json", it.raw["annotations"])
	}

	files := strings.Fields(sh(t, "find", m.Dir, "-type", "f"))
	var sidecars int
	for _, f := range files {
		if strings.HasSuffix(f, ".annotations.json") {
			sidecars++
		}
	}
	if len(files)-sidecars != 15 || sidecars != 15 {
		t.Errorf("find -type f: %d items and %d sidecars, want 15 and 15", len(files)-sidecars, sidecars)
	}
}

// getfattr reads one attribute with the real getfattr program.
func getfattr(t *testing.T, path, name string) string {
	t.Helper()
	return strings.TrimSuffix(sh(t, "getfattr", "--only-values", "-n", name, path), "\n")
}

// checkSidecar parses the sidecar with python3 and compares it with the
// export's annotations.
func checkSidecar(t *testing.T, path string, want any) {
	t.Helper()
	out := sh(t, "python3", "-c", "import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))", path)
	var got any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s: annotations differ from the export\ngot  %.400s\nwant %.400s", path, g, w)
	}
	data, _ := os.ReadFile(path)
	fi, err := os.Stat(path)
	if err != nil || fi.Size() != int64(len(data)) {
		t.Errorf("%s: stat size %d, read %d bytes", path, fi.Size(), len(data))
	}
}

func TestMountReadOnlyRefusesWrites(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	importFixture(t, s, "fruits")
	m := s.Mount("--dataset", "fruits", "--read-only")

	err := os.WriteFile(filepath.Join(m.Dir, "new.txt"), []byte("x"), 0o644)
	if !errors.Is(err, syscall.EROFS) {
		t.Errorf("create: %v, want EROFS", err)
	}
	f, err := os.OpenFile(filepath.Join(m.Dir, "cat.jpg"), os.O_WRONLY, 0)
	if !errors.Is(err, syscall.EROFS) {
		t.Errorf("open for write: %v, want EROFS", err)
		if f != nil {
			f.Close()
		}
	}
	if err := os.Remove(filepath.Join(m.Dir, "cat.jpg")); !errors.Is(err, syscall.EROFS) {
		t.Errorf("unlink: %v, want EROFS", err)
	}
	err = xattr.Set(filepath.Join(m.Dir, "cat.jpg"), "user.dl.metadata.user.x", []byte("1"))
	if !errors.Is(err, syscall.EROFS) {
		t.Errorf("setxattr: %v, want EROFS", err)
	}
}

func TestRandomAccessAndInodesAcrossRemounts(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	src := importFixture(t, s, "fruits")
	mnt := t.TempDir()
	m := s.MountAt(mnt, "--dataset", "fruits")

	orig := filepath.Join(src, "items", "sub", "000000000071.jpg")
	got := sh(t, "dd", "if="+filepath.Join(m.Dir, "sub", "000000000071.jpg"), "bs=1000", "skip=37",
		"count=3", "status=none")
	want := sh(t, "dd", "if="+orig, "bs=1000", "skip=37", "count=3", "status=none")
	if got != want || len(got) != 3000 {
		t.Errorf("dd skip=37: %d bytes, differ=%v", len(got), got != want)
	}

	before := inodes(t, mnt)
	m.Stop()
	s.MountAt(mnt, "--dataset", "fruits")
	after := inodes(t, mnt)
	if len(before) < 30 || !reflect.DeepEqual(before, after) {
		t.Errorf("inode numbers changed across a remount:\n%v\n%v", before, after)
	}
}

// inodes maps every path under dir to its inode number.
func inodes(t *testing.T, dir string) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		out[strings.TrimPrefix(p, dir)] = fi.Sys().(*syscall.Stat_t).Ino
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLsDoesNotAskForSecurityLabels(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	importFixture(t, s, "fruits")
	m := s.Mount("--dataset", "fruits")
	_, err := xattr.Get(filepath.Join(m.Dir, "cat.jpg"), "security.selinux")
	if !errors.Is(err, syscall.ENOTSUP) {
		t.Errorf("security.selinux: %v, want ENOTSUP", err)
	}
	_, err = xattr.Get(filepath.Join(m.Dir, "sub"), "system.posix_acl_access")
	if !errors.Is(err, syscall.ENOTSUP) && !errors.Is(err, syscall.ENODATA) {
		t.Errorf("system.posix_acl_access: %v, want ENOTSUP", err)
	}
	out := sh(t, "ls", "-l", filepath.Join(m.Dir, "sub"))
	if n := strings.Count(out, ".jpg.annotations.json"); n != 7 {
		t.Errorf("ls -l sub: %d sidecars, want 7\n%s", n, out)
	}
}

func TestEveryDatasetIsAFolderWithoutDataset(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	importFixture(t, s, "fruits")
	importFixture(t, s, "veg")
	m := s.Mount()
	names := strings.Fields(sh(t, "ls", m.Dir))
	if !reflect.DeepEqual(names, []string{"fruits", "veg"}) {
		t.Errorf("ls of the root: %v", names)
	}
	sh(t, "cmp", filepath.Join(m.Dir, "veg", "cat.jpg"),
		filepath.Join(fixtures(t), "dataloop-export", "items", "cat.jpg"))
}

func TestSignalsUnmountCleanlyAndStaleMountRecovers(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	importFixture(t, s, "fruits")
	mnt := t.TempDir()

	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		m := s.MountAt(mnt, "--dataset", "fruits")
		m.cmd.Process.Signal(sig)
		waitUnmounted(t, mnt, m)
	}

	m := s.MountAt(mnt, "--dataset", "fruits")
	s.MustRun("unmount", mnt)
	waitUnmounted(t, mnt, m)

	// A crash leaves a dead mount ("transport endpoint is not connected").
	m = s.MountAt(mnt, "--dataset", "fruits")
	m.cmd.Process.Kill()
	<-m.waitc
	m.unmounted = true // the next mount recovers the dead one
	if _, err := os.Stat(filepath.Join(mnt, "cat.jpg")); !errors.Is(err, syscall.ENOTCONN) {
		t.Logf("after kill -9: %v (expected ENOTCONN)", err)
	}
	m2 := s.MountAt(mnt, "--dataset", "fruits")
	sh(t, "cmp", filepath.Join(m2.Dir, "cat.jpg"),
		filepath.Join(fixtures(t), "dataloop-export", "items", "cat.jpg"))
}

func waitUnmounted(t *testing.T, dir string, m *Mount) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for isMounted(dir) {
		if time.Now().After(deadline) {
			t.Fatalf("%s still mounted\n%s", dir, m.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-m.waitc:
		if err != nil {
			t.Errorf("dlfs mount exited with %v\n%s", err, m.Log())
		}
		m.unmounted = true
	case <-time.After(10 * time.Second):
		t.Fatalf("dlfs mount did not exit\n%s", m.Log())
	}
	if !strings.Contains(m.Log(), "unmounted") {
		t.Errorf("no 'unmounted' line in the log:\n%s", m.Log())
	}
}

func TestSecondMountGetsClearMessage(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	importFixture(t, s, "fruits")
	s.Mount("--dataset", "fruits")
	cmd := exec.Command(dlfsBin, "mount", "--dataset", "fruits", t.TempDir())
	cmd.Env = append(os.Environ(), "DLFS_STORE="+s.Dir)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), s.Dir) || !strings.Contains(string(out), "in use") {
		t.Errorf("a second mount of the store: %v, %q; want a refusal naming the store", err, out)
	}
}
