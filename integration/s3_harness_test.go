package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/dlfs/dlfs/internal/s3test"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Credentials and bucket of the test S3 server.
const (
	s3AccessKey = "dlfsit"
	s3SecretKey = "dlfsitsecret"
	s3Bucket    = "dlfs-it"
)

// s3Server is a versitygw process serving a temporary folder on loopback.
type s3Server struct {
	endpoint string // http://127.0.0.1:PORT
	client   *minio.Client
}

// startS3 starts versitygw on a free loopback port, creates s3Bucket and
// sets the AWS variables dlfs reads to the server's credentials. The
// server stops with the test.
func startS3(t testing.TB) *s3Server {
	t.Helper()
	bin := s3test.Versitygw(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	logPath := filepath.Join(t.TempDir(), "versitygw.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--port", addr, "--keep-alive", "--quiet", "posix", t.TempDir())
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s3AccessKey,
		"ROOT_SECRET_KEY="+s3SecretKey)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logf.Close() })

	client, err := minio.New(addr, &minio.Options{
		Creds:  credentials.NewStaticV4(s3AccessKey, s3SecretKey, ""),
		Region: "us-east-1", BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = client.MakeBucket(ctx, s3Bucket, minio.MakeBucketOptions{})
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			t.Fatalf("versitygw on %s does not answer: %v\n%s", addr, err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", s3AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3SecretKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	return &s3Server{endpoint: "http://" + addr, client: client}
}

// s3URL is the backend URL of s3Bucket/prefix behind endpoint (the server
// or a proxy in front of it), with extra query parameters.
func s3URL(endpoint, prefix string, extra ...string) string {
	u := fmt.Sprintf("s3://%s/%s?endpoint=%s&region=us-east-1&path_style=true",
		s3Bucket, prefix, endpoint)
	for _, e := range extra {
		u += "&" + e
	}
	return u
}

// put stores data as the object name.
func (srv *s3Server) put(t testing.TB, name string, data []byte) {
	t.Helper()
	_, err := srv.client.PutObject(context.Background(), s3Bucket, name,
		strings.NewReader(string(data)), int64(len(data)), minio.PutObjectOptions{})
	if err != nil {
		t.Fatalf("put %s: %v", name, err)
	}
}

// count returns the number of objects under prefix.
func (srv *s3Server) count(t testing.TB, prefix string) int {
	t.Helper()
	n := 0
	for obj := range srv.client.ListObjects(context.Background(), s3Bucket,
		minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			t.Fatalf("list %s: %v", prefix, obj.Err)
		}
		n++
	}
	return n
}

// randomData returns n reproducible pseudo-random bytes.
func randomData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// s3Fault is what faultyS3 does to a request.
type s3Fault int

const (
	passThrough s3Fault = iota
	stall               // hold the request without answering
	answer503           // 503 Service Unavailable
	resetConn           // close the connection with a TCP reset
)

// faultyS3 is an HTTP proxy in front of the S3 server that applies a
// fault chosen per request, and counts requests and concurrent uploads.
type faultyS3 struct {
	endpoint string
	choose   atomic.Pointer[func(n int64) s3Fault]
	requests atomic.Int64
	putsNow  atomic.Int64
	putsMax  atomic.Int64
	proxy    *httputil.ReverseProxy
}

func startFaultyS3(t testing.TB, upstream string) *faultyS3 {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultyS3{proxy: httputil.NewSingleHostReverseProxy(u)}
	p.proxy.ErrorLog = nil
	p.set(func(int64) s3Fault { return passThrough })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.endpoint = "http://" + l.Addr().String()
	srv := &http.Server{Handler: p}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return p
}

func (p *faultyS3) set(choose func(n int64) s3Fault) { p.choose.Store(&choose) }

func (p *faultyS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := p.requests.Add(1) - 1
	switch (*p.choose.Load())(n) {
	case stall:
		select {
		case <-time.After(2 * time.Minute):
		case <-r.Context().Done():
		}
		return
	case answer503:
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	case resetConn:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			conn.Close()
		}
		return
	}
	if r.Method == http.MethodPut || r.Method == http.MethodPost {
		now := p.putsNow.Add(1)
		defer p.putsNow.Add(-1)
		for m := p.putsMax.Load(); now > m && !p.putsMax.CompareAndSwap(m, now); {
			m = p.putsMax.Load()
		}
	}
	p.proxy.ServeHTTP(w, r)
}
