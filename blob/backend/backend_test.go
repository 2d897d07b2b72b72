package backend

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/cache"
	"github.com/dlfs/dlfs/blob/s3"
)

func TestS3OptionsFromURLAndFlags(t *testing.T) {
	u := "s3://b/p?endpoint=http://h:1&request_timeout=3s&max_retry_time=1m"
	got, err := s3Options(u, Options{})
	if err != nil || got.RequestTimeout != 3*time.Second || got.MaxRetryTime != time.Minute {
		t.Errorf("from the url: %+v, %v", got, err)
	}
	got, err = s3Options(u, Options{MaxRetryTime: 5 * time.Second})
	if err != nil || got.RequestTimeout != 3*time.Second || got.MaxRetryTime != 5*time.Second {
		t.Errorf("a flag overrides the url: %+v, %v", got, err)
	}
	for _, bad := range []string{"s3://b/p?request_timeout=soon", "s3://b/p?max_retry_time=-1s"} {
		if _, err := s3Options(bad, Options{}); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestSpecs(t *testing.T) {
	if !IsRemote("s3://b/p") || !IsRemote("link:s3://b/p") || IsRemote("local") ||
		IsRemote("link:/data") {
		t.Error("IsRemote mistakes a spec")
	}
	if _, err := Open(context.Background(), "link:rel/dir", t.TempDir(), Options{}); err == nil {
		t.Error("a relative linked folder opened")
	}
	if _, err := Open(context.Background(), "ftp://x", t.TempDir(), Options{}); err == nil {
		t.Error("an unknown kind opened")
	}
	a := bucketID("s3://one/p?endpoint=http://h:1")
	if a != bucketID("s3://one/q?endpoint=http://h:1") || a == bucketID("s3://two/p?endpoint=http://h:1") ||
		a == bucketID("s3://one/p?endpoint=http://h:2") || len(a) != 16 {
		t.Error("bucketID does not name the endpoint and bucket alone")
	}
}

func TestRouterMapsLinkedKeys(t *testing.T) {
	c := &cachedS3{id: "0123456789abcdef"}
	key := strings.Repeat("ab", 32)
	if c.cacheKey(key) != key {
		t.Error("a content key changed in the cache")
	}
	if got := c.cacheKey("obj/raw/a.jpg"); got != "obj/0123456789abcdef/raw/a.jpg" {
		t.Errorf("linked cache key %q", got)
	}
	if _, err := (router{}).Open(context.Background(), key); err == nil {
		t.Error("the router opened a key without a store in the context")
	}
}

// Test server: versitygw, as blob/s3's tests start it.
const (
	testKey    = "backendtest"
	testSecret = "backendtestsecret"
)

func startServer(t *testing.T, buckets ...string) (endpoint string, client *minio.Client) {
	t.Helper()
	bin, err := exec.LookPath("versitygw")
	if err != nil {
		out, _ := exec.Command("go", "env", "GOPATH").Output()
		bin = filepath.Join(strings.TrimSpace(string(out)), "bin", "versitygw")
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("versitygw is missing (make deps installs it)")
			}
			t.Skip("versitygw is missing (make deps installs it)")
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "--port", addr, "--quiet", "posix", t.TempDir())
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+testKey, "ROOT_SECRET_KEY="+testSecret)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	client, err = minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(testKey,
		testSecret, ""), Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range buckets {
		for deadline := time.Now().Add(15 * time.Second); ; {
			err := client.MakeBucket(context.Background(), b, minio.MakeBucketOptions{})
			if err == nil {
				break
			}
			if i > 0 || time.Now().After(deadline) {
				t.Fatalf("make bucket %s: %v", b, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	t.Setenv("AWS_ACCESS_KEY_ID", testKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	return "http://" + addr, client
}

func put(t *testing.T, c *minio.Client, bucket, name string, data []byte) {
	t.Helper()
	_, err := c.PutObject(context.Background(), bucket, name, bytes.NewReader(data),
		int64(len(data)), minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, st blob.Store, key string) []byte {
	t.Helper()
	r, err := st.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer r.Close()
	buf := make([]byte, r.Size())
	if n, err := r.ReadAt(buf, 0); n != len(buf) || (err != nil && n != len(buf)) {
		t.Fatalf("read %s: %d bytes, %v", key, n, err)
	}
	return buf
}

// TestSharedCacheKeepsBucketsApart opens two buckets through one cache
// folder: same-named objects stay apart, content blobs round-trip, the
// folder is locked against a second process and released at the end.
func TestSharedCacheKeepsBucketsApart(t *testing.T) {
	endpoint, client := startServer(t, "one", "two")
	put(t, client, "one", "raw/a.txt", []byte("bucket one"))
	put(t, client, "two", "raw/a.txt", []byte("bucket two, longer"))
	dir := t.TempDir()
	opt := Options{CacheDir: dir, CacheMaxSize: 64 << 20, StagingDir: t.TempDir()}
	ctx := context.Background()
	one, err := Open(ctx, "link:s3://one/raw?path_style=true&endpoint="+endpoint, "", opt)
	if err != nil {
		t.Fatal(err)
	}
	two, err := Open(ctx, "s3://two/ds?path_style=true&endpoint="+endpoint, "", opt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // the second time from the cache
		if got := readAll(t, one, s3.LinkKey("raw/a.txt")); string(got) != "bucket one" {
			t.Errorf("read %d of bucket one: %q", i, got)
		}
		if got := readAll(t, two, s3.LinkKey("raw/a.txt")); string(got) != "bucket two, longer" {
			t.Errorf("read %d of bucket two: %q", i, got)
		}
	}
	ref, err := two.Put(ctx, strings.NewReader("content"), 7)
	if err != nil || string(readAll(t, two, ref.Key)) != "content" {
		t.Fatalf("put and read a content blob: %v", err)
	}
	if n, err := two.Stat(ctx, ref.Key); n != 7 || err != nil {
		t.Errorf("stat: %d, %v", n, err)
	}
	if err := one.Delete(ctx, s3.LinkKey("raw/a.txt")); !errors.Is(err, blob.ErrReadOnly) {
		t.Errorf("delete of a linked object: %v, want ErrReadOnly", err)
	}
	if err := lockHeldElsewhere(dir); err == nil {
		t.Error("the cache folder is not locked while in use")
	}
	one.Close()
	two.Close()
	if err := lockHeldElsewhere(dir); err != nil {
		t.Errorf("the cache folder stays locked after the last Close: %v", err)
	}
}

// lockHeldElsewhere tries the cache's lock as another process would (an
// flock on a new open file description).
func lockHeldElsewhere(dir string) error {
	cmd := exec.Command("flock", "-n", filepath.Join(dir, "lock"), "true")
	return cmd.Run()
}

// TestHeaderFirstReadsTheHeaderStraight checks that the start of a large
// uncached blob comes from small S3 reads, and the rest through the cache.
func TestHeaderFirstReadsTheHeaderStraight(t *testing.T) {
	endpoint, client := startServer(t, "big")
	data := bytes.Repeat([]byte("0123456789abcdef"), (3*cache.ChunkSize)/16)
	put(t, client, "big", "big.bin", data)
	st, err := Open(context.Background(), "s3://big/p?path_style=true&endpoint="+endpoint, "",
		Options{CacheDir: t.TempDir(), CacheMaxSize: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := st.Open(context.Background(), s3.LinkKey("big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ff, _ := r.(*failFast)
	hf, ok := ff.Reader.(*headerFirst)
	if ff == nil || !ok {
		t.Fatalf("a reader of an uncached %d-byte blob is %T, want *headerFirst", len(data), r)
	}
	buf := make([]byte, 100)
	if n, err := r.ReadAt(buf, 10); n != 100 || err != nil || !bytes.Equal(buf, data[10:110]) {
		t.Fatalf("header read: %d, %v", n, err)
	}
	if hf.passed {
		t.Error("a header read went to the cache")
	}
	big := make([]byte, 1<<20)
	if n, err := r.ReadAt(big, 5<<20); n != len(big) || err != nil ||
		!bytes.Equal(big, data[5<<20:6<<20]) {
		t.Fatalf("read past the header: %d, %v", n, err)
	}
	if !hf.passed {
		t.Error("a read past the header window did not go to the cache")
	}
}
