package integration

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/dlfs/dlfs/control"
)

// daemonPIDRe finds the pid in what `dlfs mount --daemon` prints.
var daemonPIDRe = regexp.MustCompile(`\(pid (\d+)\); log: (\S+)`)

// startDaemon runs `dlfs mount --daemon ARGS... DIR` and returns the mount
// process's pid and log file; the test's cleanup unmounts and waits for
// the process to end.
func startDaemon(t *testing.T, s *Store, dir string, args ...string) (int, string) {
	t.Helper()
	out := s.MustRun(append(append([]string{"mount", "--daemon"}, args...), dir)...)
	m := daemonPIDRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("mount --daemon printed %q, want its pid and log file", out)
	}
	pid, _ := strconv.Atoi(m[1])
	t.Cleanup(func() {
		if isMounted(dir) {
			exec.Command("fusermount3", "-u", dir).Run()
		}
		waitExit(t, pid)
	})
	return pid, m[2]
}

// waitExit waits until process pid has ended.
func waitExit(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("mount process %d still running 15 s after unmount", pid)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mountStatus returns what `dlfs status --json` says of the store's mounts.
func mountStatus(t *testing.T, s *Store) []control.Status {
	t.Helper()
	var all []control.Status
	sc := bufio.NewScanner(strings.NewReader(s.MustRun("status", "--json")))
	for sc.Scan() {
		var st control.Status
		if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
			t.Fatalf("status --json: %v: %q", err, sc.Text())
		}
		all = append(all, st)
	}
	return all
}

func fixtureSize(t *testing.T, it exportItem) int64 {
	t.Helper()
	n, ok := it.system()["size"].(float64)
	if !ok {
		t.Fatalf("%s: no metadata.system.size", it.path)
	}
	return int64(n)
}

func TestDaemonMountReadyAndUnmount(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	src := importFixture(t, s, "fruits")
	items := readExport(t, src)
	mnt := t.TempDir()
	pid, logPath := startDaemon(t, s, mnt, "--dataset", "fruits")

	// Ready when the command returns: no waiting here.
	if !isMounted(mnt) {
		t.Fatalf("mount --daemon returned before %s was mounted", mnt)
	}
	for _, it := range items {
		fi, err := os.Stat(filepath.Join(mnt, it.str("filename")))
		if err != nil || fi.Size() != fixtureSize(t, it) {
			t.Errorf("%s right after mount --daemon: %v", it.str("filename"), err)
		}
	}
	if want := filepath.Join(s.Dir, "logs", "mount-fruits.log"); logPath != want {
		t.Errorf("log file %s, want %s", logPath, want)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		data, _ := os.ReadFile(logPath)
		if strings.Contains(string(data), "serving dataset fruits") {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the mount's log lacks its ready line:\n%s", data)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}

	// --lazy detaches at once; an open file stays readable until closed.
	first := items[0]
	f, err := os.Open(filepath.Join(mnt, first.str("filename")))
	if err != nil {
		t.Fatal(err)
	}
	s.MustRun("unmount", "--lazy", mnt)
	if isMounted(mnt) {
		t.Errorf("%s still mounted after unmount --lazy", mnt)
	}
	data, err := io.ReadAll(f)
	if err != nil || int64(len(data)) != fixtureSize(t, first) {
		t.Errorf("read of a file open across the lazy unmount: %d bytes, %v", len(data), err)
	}
	f.Close()
	waitExit(t, pid)
}

func TestDaemonMountReportsWhatStoppedIt(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	importFixture(t, s, "fruits")
	mnt := t.TempDir()
	_, errOut, code := s.Run("mount", "--daemon", "--dataset", "no-such-set", mnt)
	if code == 0 || !strings.Contains(errOut, "no-such-set") || !strings.Contains(errOut, "mount-no-such-set.log") {
		t.Errorf("mount --daemon of a missing dataset: exit %d, %q; want the error and the log", code, errOut)
	}
	if isMounted(mnt) {
		t.Errorf("%s mounted although the mount failed", mnt)
	}
}

// writeSource writes files (path -> content) under a new folder.
func writeSource(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCommandsRunThroughTheMount(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	src := importFixture(t, s, "fruits")
	items := readExport(t, src)
	// Read-only: the kernel keeps entries, and their absence, for an hour,
	// so the new items below show only if the kernel is told of them.
	m := s.Mount("--dataset", "fruits", "--read-only", "--attr-timeout", "1h")
	for _, p := range []string{"new", "top.txt"} {
		if _, err := os.Stat(filepath.Join(m.Dir, p)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("stat %s before the import: %v", p, err)
		}
	}

	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(s.MustRun("datasets", "--json")), "\n") {
		var ds map[string]any
		if err := json.Unmarshal([]byte(l), &ds); err != nil {
			t.Fatalf("datasets --json through the mount: %v: %q", err, l)
		}
		lines = append(lines, ds["name"].(string))
	}
	if strings.Join(lines, ",") != "fruits" {
		t.Errorf("datasets through the mount: %v", lines)
	}
	checkFindInSub(t, s, items)

	jpg, err := os.ReadFile(filepath.Join(src, "items", items[0].str("filename")))
	if err != nil {
		t.Fatal(err)
	}
	in := writeSource(t, map[string]string{"new/x.jpg": string(jpg), "top.txt": "hello dlfs\n"})
	if out := s.MustRun("import", "--dataset", "fruits", in); !strings.Contains(out, "2 items stored") {
		t.Errorf("import through the mount printed %q", out)
	}
	got, err := os.ReadFile(filepath.Join(m.Dir, "new", "x.jpg"))
	if err != nil || string(got) != string(jpg) {
		t.Errorf("new/x.jpg in the mount right after the import: %d bytes, %v", len(got), err)
	}
	if got, err := os.ReadFile(filepath.Join(m.Dir, "top.txt")); err != nil || string(got) != "hello dlfs\n" {
		t.Errorf("top.txt in the mount right after the import: %q, %v", got, err)
	}
	ents, err := os.ReadDir(filepath.Join(m.Dir, "new"))
	if err != nil || len(ents) != 2 || ents[0].Name() != "x.jpg" {
		t.Errorf("ls new: %v, %v", ents, err)
	}

	var item map[string]any
	if err := json.Unmarshal([]byte(s.MustRun("show", "--dataset", "fruits", "/top.txt")), &item); err != nil {
		t.Fatal(err)
	}
	size := item["metadata"].(map[string]any)["system"].(map[string]any)["size"]
	if size != float64(len("hello dlfs\n")) {
		t.Errorf("show /top.txt through the mount: size %v", size)
	}
	_, errOut, code := s.Run("show", "--dataset", "fruits", "/nope.txt")
	if code != 1 || !strings.Contains(errOut, "no such item") {
		t.Errorf("a failing command through the mount: exit %d, %q", code, errOut)
	}
	m.Stop()
	if strings.Contains(m.Log(), "DATA RACE") {
		t.Errorf("the mount process raced running commands:\n%s", m.Log())
	}
}

// checkFindInSub runs `dlfs find dir=/sub` and compares it with the
// fixture's items in /sub.
func checkFindInSub(t *testing.T, s *Store, items []exportItem) {
	t.Helper()
	var want []string
	for _, it := range items {
		if it.str("dir") == "/sub" {
			want = append(want, strings.TrimPrefix(it.str("filename"), "/"))
		}
	}
	sort.Strings(want)
	got := strings.Fields(s.MustRun("find", "--dataset", "fruits", "dir=/sub"))
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("find dir=/sub through the mount:\n%v\nwant\n%v", got, want)
	}
}

// scrape returns the metrics at addr as series -> value, a series being
// the name with its labels as Prometheus prints them.
func scrape(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape metrics: %v", err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		i := strings.LastIndexByte(line, ' ')
		if strings.HasPrefix(line, "#") || i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

func TestStatusAndMetricsFollowReads(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	src := importFixture(t, s, "fruits")
	items := readExport(t, src)
	mnt := t.TempDir()
	pid, logPath := startDaemon(t, s, mnt, "--dataset", "fruits", "--metrics", "127.0.0.1:0")

	all := mountStatus(t, s)
	if len(all) != 1 {
		t.Fatalf("status lists %d mounts, want 1: %+v", len(all), all)
	}
	st := all[0]
	if st.PID != pid || st.Dataset != "fruits" || st.Mountpoint != mnt || st.Store != s.Dir ||
		st.LogFile != logPath || st.Metrics == "" {
		t.Errorf("status: %+v", st)
	}
	before := scrape(t, st.Metrics)

	var total int64
	for _, it := range items {
		data, err := os.ReadFile(filepath.Join(mnt, it.str("filename")))
		if err != nil || int64(len(data)) != fixtureSize(t, it) {
			t.Fatalf("read %s: %d bytes, %v", it.str("filename"), len(data), err)
		}
		total += int64(len(data))
	}
	after := scrape(t, st.Metrics)
	moved := func(series string) float64 { return after[series] - before[series] }
	if d := moved("dlfs_read_bytes_total"); d < float64(total) {
		t.Errorf("dlfs_read_bytes_total moved by %v after reading %d bytes", d, total)
	}
	if d := moved(`dlfs_fuse_operation_duration_seconds_count{op="open"}`); d < float64(len(items)) {
		t.Errorf("open operations moved by %v after opening %d files", d, len(items))
	}
	if d := moved(`dlfs_backend_requests_total{backend="local",method="open"}`); d < float64(len(items)) {
		t.Errorf("backend opens moved by %v after opening %d files", d, len(items))
	}
	if after[`dlfs_items{dataset="fruits"}`] != float64(len(items)) || after["dlfs_datasets"] != 1 {
		t.Errorf("dlfs_items{fruits} = %v, dlfs_datasets = %v; want %d and 1",
			after[`dlfs_items{dataset="fruits"}`], after["dlfs_datasets"], len(items))
	}
	if _, ok := after[`dlfs_fuse_operation_duration_seconds_bucket{op="read",le="0.001"}`]; !ok {
		t.Error("no latency histogram of reads")
	}

	st = mountStatus(t, s)[0]
	if st.Operations["read"] == 0 || st.BytesRead < uint64(total) {
		t.Errorf("status after reads: %d reads, %d bytes read", st.Operations["read"], st.BytesRead)
	}
	text := s.MustRun("status")
	if !strings.Contains(text, mnt) || !strings.Contains(text, "fruits") ||
		!strings.Contains(text, strconv.Itoa(pid)) {
		t.Errorf("dlfs status:\n%s", text)
	}
}

func TestImportProgressOnlyOnTerminal(t *testing.T) {
	src := filepath.Join(fixtures(t), "dataloop-export")
	s := newStore(t)
	out, errOut, code := s.Run("import", "--dataset", "a", src)
	if code != 0 || errOut != "" || strings.Count(out, "\n") != 1 ||
		!strings.HasPrefix(out, "dataset a: 15 items stored") {
		t.Errorf("import to pipes: exit %d, stdout %q, stderr %q; want one summary line", code, out, errOut)
	}
	out, errOut, code = s.Run("--quiet", "import", "--dataset", "b", src)
	if code != 0 || out != "" || errOut != "" {
		t.Errorf("import --quiet: exit %d, stdout %q, stderr %q; want nothing", code, out, errOut)
	}

	// On a terminal the same import shows its progress.
	cmd := exec.Command(dlfsBin, "import", "--dataset", "c", src)
	cmd.Env = append(os.Environ(), "DLFS_STORE="+s.Dir, "TERM=xterm")
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatalf("start import on a terminal: %v", err)
	}
	defer tty.Close()
	screen, _ := io.ReadAll(tty) // ends with EIO once the process exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("import on a terminal: %v\n%s", err, screen)
	}
	if !strings.Contains(string(screen), "importing") || !strings.Contains(string(screen), "15/15") {
		t.Errorf("no progress bar on a terminal:\n%q", screen)
	}
}

func TestSecondMountAndConcurrentImportsKeepTheStoreWhole(t *testing.T) {
	requireFUSE(t)
	s := newStore(t)
	src := importFixture(t, s, "fruits")
	items := readExport(t, src)
	m := s.Mount("--dataset", "fruits")

	other := t.TempDir()
	for _, args := range [][]string{{"mount"}, {"mount", "--daemon"}} {
		_, errOut, code := s.Run(append(args, "--dataset", "fruits", other)...)
		if code == 0 || !strings.Contains(errOut, s.Dir) || !strings.Contains(errOut, "in use") {
			t.Errorf("dlfs %v while mounted: exit %d, %q; want a message naming the store",
				args, code, errOut)
		}
		if isMounted(other) {
			t.Fatalf("a second mount of the store is at %s", other)
		}
	}
	if _, errOut, code := s.Run("gc"); code == 0 || !strings.Contains(errOut, "in use") {
		t.Errorf("gc while mounted: exit %d, %q; want a refusal", code, errOut)
	}

	// Files copied into the mount and imports through it, at once.
	want := map[string]string{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20; i++ {
			name := "w/f" + strconv.Itoa(i) + ".txt"
			os.MkdirAll(filepath.Join(m.Dir, "w"), 0o755)
			os.WriteFile(filepath.Join(m.Dir, name), []byte(name), 0o644)
		}
	}()
	for i := 0; i < 3; i++ {
		files := map[string]string{}
		for j := 0; j < 10; j++ {
			name := "imp" + strconv.Itoa(i) + "/f" + strconv.Itoa(j) + ".txt"
			files[name], want[name] = name, name
		}
		if out := s.MustRun("import", "--dataset", "fruits", writeSource(t, files)); !strings.Contains(out, "10 items stored") {
			t.Errorf("import %d through the mount: %q", i, out)
		}
	}
	<-done
	for i := 0; i < 20; i++ {
		name := "w/f" + strconv.Itoa(i) + ".txt"
		want[name] = name
	}
	m.Stop()

	// With the mount gone the store opens directly and holds everything.
	m2 := s.Mount("--dataset", "fruits")
	for name, content := range want {
		got, err := os.ReadFile(filepath.Join(m2.Dir, name))
		if err != nil || string(got) != content {
			t.Errorf("%s after the concurrent writes: %q, %v", name, got, err)
		}
	}
	for _, it := range items {
		sh(t, "cmp", filepath.Join(m2.Dir, it.str("filename")), filepath.Join(src, "items", it.str("filename")))
	}
	m2.Stop()
	if strings.Contains(m.Log(), "DATA RACE") {
		t.Errorf("the mount process raced:\n%s", m.Log())
	}
	if got := s.MustRun("find", "--dataset", "fruits", "--count", "dir=/imp1"); got != "10\n" {
		t.Errorf("find --count dir=/imp1 with the store closed: %q", got)
	}
}
