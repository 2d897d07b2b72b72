package integration

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dlfs/dlfs/internal/s3test"
)

// TestS3ImportMountCmp imports the fixture export into an S3 dataset, then
// reads every item back through the mount.
func TestS3ImportMountCmp(t *testing.T) {
	requireFUSE(t)
	requireTool(t, "getfattr")
	srv := startS3(t)
	counter := s3test.StartCountingProxy(t, strings.TrimPrefix(srv.endpoint, "http://"))
	url := s3URL("http://"+counter.Addr, "shots")
	s := newStore(t)
	src := filepath.Join(fixtures(t), "dataloop-export")
	out := s.MustRun("import", "--dataset", "shots", "--backend", url, src)
	if !strings.Contains(out, "15 items stored") || !strings.Contains(out, "66 annotations") {
		t.Fatalf("import: %q, want 15 items and 66 annotations", out)
	}
	items := readExport(t, src)
	distinct := map[[32]byte]bool{}
	for _, it := range items {
		data, err := os.ReadFile(filepath.Join(src, "items", it.str("filename")))
		if err != nil {
			t.Fatal(err)
		}
		distinct[sha256.Sum256(data)] = true
	}
	if n := srv.count(t, "shots/blobs/"); n != len(distinct) {
		t.Errorf("%d objects under shots/blobs/, want one per distinct item content: %d",
			n, len(distinct))
	}
	if ds := s.MustRun("datasets"); !strings.Contains(ds, url) {
		t.Errorf("datasets does not show the S3 backend:\n%s", ds)
	}

	cacheDir := t.TempDir()
	m := s.Mount("--dataset", "shots", "--cache-dir", cacheDir)
	for _, it := range items {
		fn := it.str("filename")
		sh(t, "cmp", filepath.Join(m.Dir, fn), filepath.Join(src, "items", fn))
		if id := getfattr(t, filepath.Join(m.Dir, fn), "user.dl.id"); id != it.str("id") {
			t.Errorf("%s: user.dl.id %q, want %q", fn, id, it.str("id"))
		}
	}

	// A file copied into the writable mount goes up to the bucket, with the
	// empty blob a writable mount stores on its first write.
	added := randomData(300<<10, 99)
	if err := os.WriteFile(filepath.Join(m.Dir, "added.bin"), added, 0o644); err != nil {
		t.Fatalf("copy into the S3 dataset: %v", err)
	}
	m.Stop()
	if n := srv.count(t, "shots/blobs/"); n != len(distinct)+2 {
		t.Errorf("after a copy in: %d objects, want %d", n, len(distinct)+2)
	}

	// A second mount reads again from the disk cache left by the first,
	// without asking the server.
	m = s.Mount("--dataset", "shots", "--cache-dir", cacheDir)
	before := counter.Down()
	for _, it := range items {
		fn := it.str("filename")
		sh(t, "cmp", filepath.Join(m.Dir, fn), filepath.Join(src, "items", fn))
	}
	if got := counter.Down() - before; got > 0 {
		t.Errorf("reading the cached items again after a restart: %d bytes from the server",
			got)
	}
	if got, err := os.ReadFile(filepath.Join(m.Dir, "added.bin")); err != nil ||
		!bytes.Equal(got, added) {
		t.Errorf("the copied-in file reads back wrong: %v", err)
	}

	// A re-import without --backend goes to the dataset's bucket again and
	// uploads nothing new.
	m.Stop()
	out = s.MustRun("import", "--dataset", "shots", src)
	if !strings.Contains(out, "0 problems") {
		t.Errorf("re-import: %q, want no problems", out)
	}
	if n := srv.count(t, "shots/"); n != len(distinct)+2 {
		t.Errorf("after a re-import %d objects under shots/, want %d", n, len(distinct)+2)
	}
}

// TestS3UploadsAtOnceAndCacheCap imports files larger than the multipart
// part size several at a time, then reads more than the cache's cap.
func TestS3UploadsAtOnceAndCacheCap(t *testing.T) {
	requireFUSE(t)
	srv := startS3(t)
	proxy := startFaultyS3(t, srv.endpoint)
	dir := t.TempDir()
	sizes := []int{6 << 20, 6 << 20, 6 << 20, 6 << 20, 21 << 20, 300 << 10}
	var total int
	for i, n := range sizes {
		total += n
		name := filepath.Join(dir, "f"+strconv.Itoa(i)+".bin")
		if err := os.WriteFile(name, randomData(n, uint64(i+1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := newStore(t)
	s.MustRun("import", "--dataset", "big", "--backend", s3URL(proxy.endpoint, "big"), dir)
	if got := proxy.putsMax.Load(); got < 2 {
		t.Errorf("at most %d uploads were in flight at once, want several", got)
	}
	if n := srv.count(t, "big/blobs/"); n != len(sizes) {
		t.Errorf("%d objects stored, want %d", n, len(sizes))
	}

	const capBytes = 10 << 20
	cacheDir := t.TempDir()
	m := s.Mount("--dataset", "big", "--cache-dir", cacheDir, "--cache-max-size", "10M")
	for i := range sizes {
		name := "f" + strconv.Itoa(i) + ".bin"
		sh(t, "cmp", filepath.Join(m.Dir, name), filepath.Join(dir, name))
		if used := cachedBytes(t, cacheDir); used > capBytes {
			t.Errorf("after reading %s the cache holds %d bytes, cap %d", name, used, capBytes)
		}
	}
	used := cachedBytes(t, cacheDir)
	du := strings.Fields(sh(t, "du", "-sk", cacheDir))[0]
	kib, _ := strconv.Atoi(du)
	t.Logf("read %d bytes; cache holds %d bytes of chunks, du %d KiB", total, used, kib)
	if used == 0 || used > capBytes {
		t.Errorf("cache holds %d bytes, want some and at most %d", used, capBytes)
	}
	// du counts the folders too: allow 1 MiB of them.
	if kib > capBytes/1024+1024 {
		t.Errorf("du of the cache: %d KiB, cap %d KiB", kib, capBytes/1024)
	}
}

// cachedBytes sums the chunk files under the cache's blobs folder.
func cachedBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(filepath.Join(dir, "blobs"), func(p string, d os.DirEntry,
		err error) error {
		if err != nil || d.IsDir() || d.Name() == "meta" {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestS3HeaderReadsFetchTheHeader counts the bytes the server sends while
// head and file read the start of a large item, with and without the
// disk cache.
func TestS3HeaderReadsFetchTheHeader(t *testing.T) {
	requireFUSE(t)
	requireTool(t, "file")
	srv := startS3(t)
	counter := s3test.StartCountingProxy(t, strings.TrimPrefix(srv.endpoint, "http://"))
	dir := t.TempDir()
	const size = 48 << 20
	jpeg := filepath.Join(fixtures(t), "dataloop-export", "items", "cat.jpg")
	head, err := os.ReadFile(jpeg)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.bin", "b.bin", "c.bin", "d.bin"} {
		data := append(append([]byte{}, head[:4096]...), randomData(size-4096, 7)...)
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := newStore(t)
	s.MustRun("import", "--dataset", "v", "--backend", s3URL("http://"+counter.Addr, "v"), dir)

	// The header, kernel read-ahead and the requests; a read away from
	// the start (file reads the last 64 KiB too) fetches the disk cache's
	// chunk around it.
	const limit = 1 << 20
	const chunk = 4 << 20
	for _, cacheArgs := range [][]string{{"--cache-dir", t.TempDir()}, {"--cache-max-size", "0"}} {
		m := s.Mount(append([]string{"--dataset", "v"}, cacheArgs...)...)
		for _, probe := range []struct {
			file string
			argv []string
		}{
			{"a.bin", []string{"head", "-c", "100"}},
			{"b.bin", []string{"file", "-b", "-P", "bytes=65536"}},
		} {
			file := probe.file
			if cacheArgs[0] == "--cache-max-size" {
				file = map[string]string{"a.bin": "c.bin", "b.bin": "d.bin"}[file]
			}
			before := counter.Down()
			out := sh(t, probe.argv[0], append(probe.argv[1:], filepath.Join(m.Dir, file))...)
			got := counter.Down() - before
			t.Logf("%v %s %v: %d bytes from the server", cacheArgs, file, probe.argv, got)
			want := int64(limit)
			if probe.argv[0] == "file" && cacheArgs[0] == "--cache-dir" {
				want += chunk
			}
			if got > want || got == 0 {
				t.Errorf("%v %s of a %d MiB item: the server sent %d bytes, want (0, %d]",
					probe.argv, file, size>>20, got, want)
			}
			if probe.argv[0] == "file" && !strings.Contains(out, "JPEG") {
				t.Errorf("file: %q, want JPEG", out)
			}
		}
		m.Stop()
	}
}

// TestS3LinkImport links objects already in a bucket: nothing is copied,
// the items read the objects in place and the mount is read-only.
func TestS3LinkImport(t *testing.T) {
	requireFUSE(t)
	requireTool(t, "getfattr")
	srv := startS3(t)
	src := filepath.Join(fixtures(t), "dataloop-export")
	items := readExport(t, src)
	for _, it := range items {
		fn := it.str("filename")
		data, err := os.ReadFile(filepath.Join(src, "items", fn))
		if err != nil {
			t.Fatal(err)
		}
		srv.put(t, "raw"+fn, data)
	}
	srv.put(t, "rawer/not-this.txt", []byte("outside the prefix"))
	before := srv.count(t, "")

	s := newStore(t)
	url := s3URL(srv.endpoint, "raw")
	out := s.MustRun("import", "--dataset", "raw", "--link", url)
	if !strings.Contains(out, "15 items stored") {
		t.Fatalf("link import: %q, want 15 items stored", out)
	}
	if after := srv.count(t, ""); after != before {
		t.Errorf("the link import wrote to the bucket: %d objects, then %d", before, after)
	}
	if out := s.MustRun("import", "--dataset", "raw", "--link", url); !strings.Contains(out,
		"15 unchanged") {
		t.Errorf("second link import: %q, want 15 unchanged", out)
	}

	m := s.Mount("--dataset", "raw")
	for _, it := range items {
		fn := it.str("filename")
		got := filepath.Join(m.Dir, fn)
		sh(t, "cmp", got, filepath.Join(src, "items", fn))
		sys := it.system()
		if mt := getfattr(t, got, "user.dl.metadata.system.mimetype"); mt != sys["mimetype"] {
			t.Errorf("%s: mimetype %q, export says %v", fn, mt, sys["mimetype"])
		}
		if w, ok := sys["width"].(float64); ok && isImage(sys) {
			if got := getfattr(t, got, "user.dl.metadata.system.width"); got != strconv.Itoa(int(w)) {
				t.Errorf("%s: width %q, export says %v", fn, got, w)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(m.Dir, "not-this.txt")); err == nil {
		t.Error("an object outside the prefix became an item")
	}
	err := os.WriteFile(filepath.Join(m.Dir, "new.txt"), []byte("x"), 0o644)
	if !errors.Is(err, syscall.EROFS) {
		t.Errorf("write into a linked bucket: %v, want EROFS", err)
	}
}

// TestS3BadCredentialsAndMissingBucket checks the messages at import and
// at mount start.
func TestS3BadCredentialsAndMissingBucket(t *testing.T) {
	requireFUSE(t)
	srv := startS3(t)
	src := filepath.Join(fixtures(t), "dataloop-export")
	s := newStore(t)
	t.Setenv("HOME", t.TempDir()) // no ~/.aws/credentials to fall back on

	missing := strings.Replace(s3URL(srv.endpoint, "p"), s3Bucket, "no-such-bucket", 1)
	_, errOut, code := s.Run("import", "--dataset", "x", "--backend", missing, src)
	if code == 0 || !strings.Contains(errOut, `"no-such-bucket"`) ||
		!strings.Contains(errOut, "does not exist") {
		t.Errorf("missing bucket: exit %d, %q", code, errOut)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	_, errOut, code = s.Run("import", "--dataset", "x", "--backend", s3URL(srv.endpoint, "p"), src)
	if code == 0 || !strings.Contains(errOut, "access denied") ||
		!strings.Contains(errOut, "AWS_SECRET_ACCESS_KEY") {
		t.Errorf("bad secret: exit %d, %q", code, errOut)
	}
	if ds := s.MustRun("datasets"); strings.Contains(ds, "x ") {
		t.Errorf("a failed import left a dataset:\n%s", ds)
	}

	t.Setenv("AWS_SECRET_ACCESS_KEY", s3SecretKey)
	s.MustRun("import", "--dataset", "x", "--backend", s3URL(srv.endpoint, "p"), src)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	cmd := exec.Command(dlfsBin, "mount", "--dataset", "x", t.TempDir())
	cmd.Env = append(os.Environ(), "DLFS_STORE="+s.Dir)
	start := time.Now()
	done := make(chan []byte, 1)
	go func() { out, _ := cmd.CombinedOutput(); done <- out }()
	select {
	case out := <-done:
		if cmd.ProcessState.ExitCode() == 0 || !strings.Contains(string(out), "access denied") ||
			!strings.Contains(string(out), "dataset x") {
			t.Errorf("mount with a bad secret: exit %d after %v: %s",
				cmd.ProcessState.ExitCode(), time.Since(start), out)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("mount with a bad secret did not stop at start")
	}
}

// isImage tells whether an export item's system metadata name an image,
// whose dimensions dlfs reads from the header.
func isImage(sys map[string]any) bool {
	mt, _ := sys["mimetype"].(string)
	return strings.HasPrefix(mt, "image/")
}
