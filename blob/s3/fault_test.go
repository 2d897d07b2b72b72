package s3

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dlfs/dlfs/blob"
)

// faultOptions keep fault tests short: a stalled request ends after
// 300 ms and an operation gives up after 2 s.
var faultOptions = Options{RequestTimeout: 300 * time.Millisecond, MaxRetryTime: 2 * time.Second}

// faultBound is the longest a read may take under faultOptions: the retry
// window, one last stalled attempt, and slack for a busy machine.
const faultBound = 2*time.Second + 300*time.Millisecond + time.Second

func TestFaultsAreRetried(t *testing.T) {
	srv := startServer(t)
	data := randomBytes(6<<20, 21)
	putObject(t, srv, "f.bin", data)
	proxy := startFaultProxy(t, srv.endpoint)
	s := openStore(t, proxy.endpoint, "", faultOptions)
	ctx := context.Background()
	r, err := s.Open(ctx, LinkKey("f.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	// Every other request fails, in turn by delay, 503, reset and a cut
	// body: each read must still return the right bytes in time.
	kinds := []fault{faultDelay, fault503, faultReset, faultTruncate}
	proxy.setFaults(func(n int64) fault {
		if n%2 == 0 {
			return kinds[(n/2)%int64(len(kinds))]
		}
		return faultNone
	})
	buf := make([]byte, 256<<10)
	for i, off := range []int64{0, 256 << 10, 512 << 10, 768 << 10, 5 << 20, 1 << 20} {
		start := time.Now()
		n, err := r.ReadAt(buf, off)
		if took := time.Since(start); took > faultBound {
			t.Errorf("read %d took %v, bound %v", i, took, faultBound)
		}
		if err != nil || !bytes.Equal(buf[:n], data[off:off+int64(n)]) || n != len(buf) {
			t.Fatalf("read %d at %d: n=%d err=%v or bytes differ", i, off, n, err)
		}
	}
	if got := proxy.requests.Load(); got < 8 {
		t.Errorf("only %d requests reached the proxy: faults were not exercised", got)
	}
}

func TestFaultsEndInUnavailable(t *testing.T) {
	srv := startServer(t)
	putObject(t, srv, "g.bin", randomBytes(1<<20, 22))
	proxy := startFaultProxy(t, srv.endpoint)
	s := openStore(t, proxy.endpoint, "", faultOptions)
	ctx := context.Background()
	r, err := s.Open(ctx, LinkKey("g.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	for _, tc := range []struct {
		name string
		f    fault
	}{{"delay", faultDelay}, {"503", fault503}, {"reset", faultReset},
		{"truncate", faultTruncate}} {
		t.Run(tc.name, func(t *testing.T) {
			proxy.setFaults(func(int64) fault { return tc.f })
			start := time.Now()
			_, err := r.ReadAt(make([]byte, 64<<10), 4096)
			took := time.Since(start)
			if !errors.Is(err, blob.ErrUnavailable) {
				t.Errorf("read: %v, want ErrUnavailable", err)
			}
			if took > faultBound {
				t.Errorf("read failed after %v, bound %v", took, faultBound)
			}
			if tc.f == faultTruncate {
				return // a HEAD has no body to cut
			}
			_, err = s.Stat(ctx, LinkKey("g.bin"))
			if !errors.Is(err, blob.ErrUnavailable) {
				t.Errorf("stat: %v, want ErrUnavailable", err)
			}
		})
	}
}

func TestOpenExplainsFailures(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("HOME", t.TempDir()) // no ~/.aws/credentials to fall back on

	t.Setenv("AWS_ACCESS_KEY_ID", testAccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
	_, err := Open(ctx, storeURL(srv.endpoint, "p"), Options{})
	if err == nil || !errors.Is(err, ErrAccessDenied) ||
		!strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") ||
		!strings.Contains(err.Error(), `s3 bucket "`+testBucket+`" at `+srv.endpoint) {
		t.Errorf("bad secret: %v", err)
	}
	t.Logf("bad secret: %v", err)

	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecretKey)
	missing := strings.Replace(storeURL(srv.endpoint, "p"), testBucket, "no-such-bucket", 1)
	_, err = Open(ctx, missing, Options{})
	if err == nil || !strings.Contains(err.Error(), `s3 bucket "no-such-bucket"`) ||
		!strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing bucket: %v", err)
	}
	t.Logf("missing bucket: %v", err)

	closed := storeURL("http://"+freeAddr(t), "p")
	start := time.Now()
	_, err = Open(ctx, closed, Options{RequestTimeout: 200 * time.Millisecond,
		MaxRetryTime: time.Second})
	if !errors.Is(err, blob.ErrUnavailable) || time.Since(start) > 3*time.Second {
		t.Errorf("closed port: %v after %v, want ErrUnavailable within 3s", err,
			time.Since(start))
	}

	for _, bad := range []string{"http://x/y", "s3:///p", "s3://b/p?endpoint=ftp://h",
		"s3://b/p?path_style=maybe"} {
		if _, err := Open(ctx, bad, Options{}); err == nil {
			t.Errorf("open %q: no error", bad)
		}
	}
}
