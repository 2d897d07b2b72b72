package integration

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hanwen/go-fuse/v2/posixtest"
)

// posixExcluded are the cases of go-fuse's posixtest suite not run against
// dlfs, each with the reason.
var posixExcluded = map[string]string{
	"Link":             "hard links are refused (ENOTSUP): an item has one path",
	"LinkUnlinkRename": "needs hard links",
	"SymlinkReadlink":  "creating symlinks is not supported: items are files and folders",
	"SetattrSymlink":   "needs symlink creation",
	"OpenSymlinkRace":  "needs symlink creation",
	"FcntlFlockLocksFile": "locks are the kernel's local ones (dlfs implements no " +
		"lock calls), and those do not conflict across the case's two processes",
	"Tmpfile": "O_TMPFILE is not supported: a file exists as an item from its " +
		"creation (the case skips itself on ENOTSUP)",
	"XAttr": "only user.dl.metadata.user.* names are stored; the case sets " +
		"arbitrary user.* names (ENOTSUP)",
	"XAttrLarge": "sets an arbitrary user.* name (ENOTSUP; the case skips itself)",
	"FileBasic": "file modes are fixed by the mount (0644 files, 0755 folders); " +
		"chmod is accepted and ignored, the case wants 0755 kept",
	"ReadDirBasic": "each file X is listed with its virtual X.annotations.json, " +
		"the case counts exactly the files it made",
}

// TestPosixSuite runs go-fuse's posixtest cases against a writable mount
// of an empty dataset, each in its own folder. DLFS_POSIX_ALL=1 runs the
// excluded cases too, to see how they fail.
func TestPosixSuite(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	empty := t.TempDir()
	s.MustRun("import", "--dataset", "posix", empty)
	m := s.Mount("--dataset", "posix")

	names := make([]string, 0, len(posixtest.All))
	for name := range posixtest.All {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			if why, ok := posixExcluded[name]; ok && os.Getenv("DLFS_POSIX_ALL") == "" {
				t.Skip(why)
			}
			dir := filepath.Join(m.Dir, name)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			posixtest.All[name](t, dir)
		})
	}
	if t.Failed() {
		t.Logf("mount log:\n%s", m.Log())
	}
}
