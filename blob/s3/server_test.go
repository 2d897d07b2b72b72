package s3

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/dlfs/dlfs/internal/s3test"
)

const (
	testAccessKey = "dlfstest"
	testSecretKey = "dlfstestsecret"
	testBucket    = "dlfs-test"
)

// testServer is a versitygw process serving a temporary folder.
type testServer struct {
	endpoint string // http://127.0.0.1:PORT
	addr     string // 127.0.0.1:PORT
	client   *minio.Client
}

// startServer starts versitygw on a free port over t.TempDir(), waits
// until it answers and creates testBucket. The process ends with the test.
func startServer(t testing.TB) *testServer {
	t.Helper()
	bin := s3test.Versitygw(t)
	root := t.TempDir()
	addr := freeAddr(t)

	cmd := exec.Command(bin, "--port", addr, "--keep-alive", "--quiet", "posix", root)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+testAccessKey,
		"ROOT_SECRET_KEY="+testSecretKey)
	logf, err := os.Create(filepath.Join(t.TempDir(), "versitygw.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
	})

	srv := &testServer{endpoint: "http://" + addr, addr: addr}
	srv.client, err = minio.New(addr, &minio.Options{
		Creds:        credentials.NewStaticV4(testAccessKey, testSecretKey, ""),
		Region:       "us-east-1",
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.waitReady(t, logf.Name())
	return srv
}

// waitReady creates testBucket, retrying while the server starts.
func (srv *testServer) waitReady(t testing.TB, logName string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := srv.client.MakeBucket(ctx, testBucket, minio.MakeBucketOptions{})
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logName)
			t.Fatalf("versitygw at %s did not answer: %v\n%s", srv.addr, err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// storeURL names testBucket/prefix behind endpoint.
func storeURL(endpoint, prefix string) string {
	return fmt.Sprintf("s3://%s/%s?endpoint=%s&region=us-east-1&path_style=true",
		testBucket, prefix, endpoint)
}

// openStore opens a Store on srv (or on endpoint, when given, such as a
// proxy) with the test credentials.
func openStore(t testing.TB, endpoint, prefix string, opt Options) *Store {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", testAccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecretKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	if opt.StagingDir == "" {
		opt.StagingDir = t.TempDir()
	}
	s, err := Open(context.Background(), storeURL(endpoint, prefix), opt)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
