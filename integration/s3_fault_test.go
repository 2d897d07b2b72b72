package integration

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pkg/xattr"
)

// The fault test's bounds: the mount's flags override the URL's, so an
// S3 operation gives up after faultRetry, a stalled request after
// faultRequest. A syscall may take one operation, a last stalled request
// and slack for a busy machine.
const (
	faultRequest = 500 * time.Millisecond
	faultRetry   = 2 * time.Second
	faultBound   = faultRetry + faultRequest + 1500*time.Millisecond
	faultFiles   = 3       // files read per phase, at once
	faultSize    = 3 << 19 // 1.5 MiB: several reads per file
)

// faultPhase is a way the proxy treats requests, and what reads may end in.
type faultPhase struct {
	name     string
	choose   func(n int64) s3Fault
	wantData bool // every read returns the bytes
	wantEIO  bool // every file fails with EIO
	// afterOpen opens the files before the faults start, so that the
	// reads, not the opens, meet them.
	afterOpen bool
}

func faultPhases() []faultPhase {
	rng := rand.New(rand.NewPCG(5, 6))
	var mu sync.Mutex
	return []faultPhase{
		{name: "503 three times in four", choose: func(n int64) s3Fault {
			if n%4 != 3 {
				return answer503
			}
			return passThrough
		}},
		{name: "every other connection reset", choose: func(n int64) s3Fault {
			if n%2 == 0 {
				return resetConn
			}
			return passThrough
		}},
		{name: "every request stalls", wantEIO: true,
			choose: func(int64) s3Fault { return stall }},
		{name: "reads stall after a clean open", wantEIO: true, afterOpen: true,
			choose: func(int64) s3Fault { return stall }},
		{name: "every request answers 503", wantEIO: true,
			choose: func(int64) s3Fault { return answer503 }},
		{name: "a random mix", choose: func(int64) s3Fault {
			mu.Lock()
			defer mu.Unlock()
			return []s3Fault{passThrough, passThrough, stall, answer503, resetConn}[rng.IntN(5)]
		}},
		{name: "healed", wantData: true, choose: func(int64) s3Fault { return passThrough }},
	}
}

// TestS3FaultsEndInDataOrEIO reads through a proxy that stalls, answers
// 503 and resets connections: every open and read must end, within the
// bound, in the right bytes or EIO, while ls -l and xattrs stay fast.
func TestS3FaultsEndInDataOrEIO(t *testing.T) {
	requireFUSE(t)
	srv := startS3(t)
	proxy := startFaultyS3(t, srv.endpoint)
	phases := faultPhases()
	dir := t.TempDir()
	want := map[string][]byte{}
	for p := range phases {
		for i := range faultFiles {
			name := fmt.Sprintf("p%d-%d.bin", p, i)
			want[name] = randomData(faultSize, uint64(100*p+i))
			if err := os.WriteFile(filepath.Join(dir, name), want[name], 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	s := newStore(t)
	url := s3URL(proxy.endpoint, "faults", "request_timeout=1s", "max_retry_time=3s")
	s.MustRun("import", "--dataset", "f", "--backend", url, dir)
	m := s.Mount("--dataset", "f", "--s3-request-timeout", faultRequest.String(),
		"--s3-max-retry-time", faultRetry.String())

	stop := make(chan struct{})
	slowest := make(chan time.Duration, 1)
	go func() { slowest <- watchListing(t, m.Dir, stop) }()

	for p, ph := range phases {
		results := make([]readResult, faultFiles)
		files := make([]*os.File, faultFiles)
		if ph.afterOpen {
			proxy.set(func(int64) s3Fault { return passThrough })
			for i := range files {
				files[i] = openTimed(filepath.Join(m.Dir, fmt.Sprintf("p%d-%d.bin", p, i)),
					&results[i])
			}
		}
		proxy.set(ph.choose)
		before := proxy.requests.Load()
		var wg sync.WaitGroup
		for i := range faultFiles {
			name := filepath.Join(m.Dir, fmt.Sprintf("p%d-%d.bin", p, i))
			wg.Go(func() {
				if files[i] == nil {
					files[i] = openTimed(name, &results[i])
				}
				readTimed(files[i], &results[i])
			})
		}
		wg.Wait()
		for i, r := range results {
			name := fmt.Sprintf("p%d-%d.bin", p, i)
			checkFaultRead(t, ph, name, r, want[name])
		}
		t.Logf("%s: %d requests, results %v", ph.name, proxy.requests.Load()-before, results)
	}
	proxy.set(func(int64) s3Fault { return passThrough })
	close(stop)
	if d := <-slowest; d > time.Second {
		t.Errorf("ls -l or getxattr took %v while S3 failed, want < 1s", d)
	} else {
		t.Logf("slowest ls -l or getxattr during the faults: %v", d)
	}
}

// readResult is how reading one file through the mount ended.
type readResult struct {
	data    []byte
	err     error
	slowest time.Duration // the longest open or read syscall
}

func (r readResult) String() string {
	if r.err != nil {
		return fmt.Sprintf("{%v after %d bytes, slowest %v}", r.err, len(r.data),
			r.slowest.Round(time.Millisecond))
	}
	return fmt.Sprintf("{%d bytes, slowest %v}", len(r.data), r.slowest.Round(time.Millisecond))
}

// timed runs f, keeping the longest time in r.
func (r *readResult) timed(f func() error) error {
	start := time.Now()
	err := f()
	r.slowest = max(r.slowest, time.Since(start))
	return err
}

// openTimed opens path, or returns nil with the error in r.
func openTimed(path string, r *readResult) *os.File {
	var f *os.File
	r.err = r.timed(func() (err error) { f, err = os.Open(path); return err })
	return f
}

// readTimed reads f to its end with 128 KiB reads, timing each, and
// closes it; a nil f (its open failed) reads nothing.
func readTimed(f *os.File, r *readResult) {
	if f == nil {
		return
	}
	defer f.Close()
	buf := make([]byte, 128<<10)
	for {
		var n int
		err := r.timed(func() (err error) { n, err = f.Read(buf); return err })
		r.data = append(r.data, buf[:n]...)
		if err == io.EOF {
			return
		}
		if err != nil {
			r.err = err
			return
		}
	}
}

func checkFaultRead(t *testing.T, ph faultPhase, name string, r readResult, want []byte) {
	t.Helper()
	if r.slowest > faultBound {
		t.Errorf("%s, %s: a syscall took %v, bound %v", ph.name, name, r.slowest, faultBound)
	}
	if !bytes.Equal(r.data, want[:len(r.data)]) {
		t.Errorf("%s, %s: the bytes read differ from the file", ph.name, name)
	}
	switch {
	case r.err != nil && !errors.Is(r.err, syscall.EIO):
		t.Errorf("%s, %s: %v, want the bytes or EIO", ph.name, name, r.err)
	case ph.wantEIO && r.err == nil:
		t.Errorf("%s, %s: read %d bytes, want EIO", ph.name, name, len(r.data))
	case ph.wantData && (r.err != nil || len(r.data) != len(want)):
		t.Errorf("%s, %s: %v after %d bytes, want all %d", ph.name, name, r.err,
			len(r.data), len(want))
	}
}

// watchListing runs ls -l of dir and reads an xattr every 50 ms until
// stop, and returns the slowest.
func watchListing(t *testing.T, dir string, stop chan struct{}) time.Duration {
	var slowest time.Duration
	probe := filepath.Join(dir, "p0-0.bin")
	for {
		select {
		case <-stop:
			return slowest
		case <-time.After(50 * time.Millisecond):
		}
		start := time.Now()
		out, err := exec.Command("ls", "-l", dir).CombinedOutput()
		if err != nil {
			t.Errorf("ls -l: %v: %s", err, out)
		}
		if _, err := xattr.Get(probe, "user.dl.id"); err != nil {
			t.Errorf("getxattr: %v", err)
		}
		slowest = max(slowest, time.Since(start))
	}
}
