package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/dlfs/dlfs/blob"
)

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n - n%8; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestPutOpenReadAt(t *testing.T) {
	srv := startServer(t)
	s := openStore(t, srv.endpoint, "ds1", Options{PartSize: 5 << 20})
	ctx := context.Background()

	for _, size := range []int{0, 1, 4096, 1<<20 + 17, 12<<20 + 3} {
		data := randomBytes(size, uint64(size))
		ref, err := s.Put(ctx, bytes.NewReader(data), int64(size))
		if err != nil {
			t.Fatalf("put %d bytes: %v", size, err)
		}
		if ref.Key != sha256Hex(data) || ref.Size != int64(size) {
			t.Fatalf("put %d bytes: ref %+v, want key %s", size, ref, sha256Hex(data))
		}
		wantName := "ds1/blobs/" + ref.Key[:2] + "/" + ref.Key[2:]
		info, err := srv.client.StatObject(ctx, testBucket, wantName, minio.StatObjectOptions{})
		if err != nil {
			t.Fatalf("object %s: %v", wantName, err)
		}
		// An S3 multipart ETag ends in -PARTS: 12 MiB in 5 MiB parts is 3.
		if multipart := strings.HasSuffix(info.ETag, "-3"); multipart != (size > 5<<20) {
			t.Errorf("%d bytes stored with ETag %s: multipart=%v", size, info.ETag, multipart)
		}

		r, err := s.Open(ctx, ref.Key)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		if r.Size() != int64(size) {
			t.Errorf("size %d, want %d", r.Size(), size)
		}
		got, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes (err %v): differs from what was put", len(got), err)
		}
		if size > 100 {
			p := make([]byte, 100)
			n, err := r.ReadAt(p, int64(size-50))
			if n != 50 || err != io.EOF || !bytes.Equal(p[:50], data[size-50:]) {
				t.Errorf("read past end: n=%d err=%v", n, err)
			}
		}
		r.Close()
	}
}

func TestPutSizeMismatchAndDedup(t *testing.T) {
	srv := startServer(t)
	s := openStore(t, srv.endpoint, "", Options{})
	ctx := context.Background()
	data := randomBytes(3000, 7)

	if _, err := s.Put(ctx, bytes.NewReader(data), 2999); !errors.Is(err, blob.ErrSizeMismatch) {
		t.Fatalf("put with wrong size: %v, want ErrSizeMismatch", err)
	}
	if _, err := s.Stat(ctx, sha256Hex(data)); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("stat after failed put: %v, want ErrNotFound", err)
	}

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = s.Put(ctx, bytes.NewReader(data), -1)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent put: %v", err)
		}
	}
	var keys []string
	err := s.Walk(ctx, func(key string, size int64) error {
		keys = append(keys, key)
		if size != int64(len(data)) {
			t.Errorf("walk size %d, want %d", size, len(data))
		}
		return nil
	})
	if err != nil || len(keys) != 1 || keys[0] != sha256Hex(data) {
		t.Fatalf("walk: keys %v err %v, want one key %s", keys, err, sha256Hex(data))
	}

	if err := s.Delete(ctx, keys[0]); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := s.Delete(ctx, keys[0]); err != nil {
		t.Fatalf("delete again: %v", err)
	}
	if _, err := s.Open(ctx, keys[0]); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("open deleted: %v, want ErrNotFound", err)
	}
}

func TestLinkedObjects(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	files := map[string][]byte{
		"raw/cam1/0001.jpg": randomBytes(5000, 1),
		"raw/cam1/0002.jpg": randomBytes(7000, 2),
		"raw/cam2/a b.png":  randomBytes(10, 3),
		"other/x.txt":       []byte("not listed"),
	}
	for name, data := range files {
		_, err := srv.client.PutObject(ctx, testBucket, name, bytes.NewReader(data),
			int64(len(data)), minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	s := openStore(t, srv.endpoint, "store", Options{})

	listed := map[string]int64{}
	err := s.List(ctx, "raw/", func(name string, size int64) error {
		listed[name] = size
		return nil
	})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	for name, data := range files {
		size, ok := listed[name]
		if strings.HasPrefix(name, "raw/") != ok || (ok && size != int64(len(data))) {
			t.Errorf("list: %s listed=%v size=%d, want size %d", name, ok, size, len(data))
		}
	}

	key := LinkKey("raw/cam1/0002.jpg")
	head, err := s.ReadHeader(ctx, key, 16)
	if err != nil || !bytes.Equal(head, files["raw/cam1/0002.jpg"][:16]) {
		t.Fatalf("read header: %v", err)
	}
	short, err := s.ReadHeader(ctx, LinkKey("raw/cam2/a b.png"), 64)
	if err != nil || !bytes.Equal(short, files["raw/cam2/a b.png"]) {
		t.Fatalf("read header of a short object: %q, %v", short, err)
	}
	if err := s.Delete(ctx, key); !errors.Is(err, blob.ErrReadOnly) {
		t.Fatalf("delete linked: %v, want ErrReadOnly", err)
	}
	if _, err := s.Stat(ctx, LinkKey("raw/none")); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("stat missing: %v, want ErrNotFound", err)
	}
	if _, err := s.Stat(ctx, "not-a-key"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("stat bad key: %v, want ErrNotFound", err)
	}
}

func TestPutSkipsExistingObject(t *testing.T) {
	srv := startServer(t)
	proxy := startFaultProxy(t, srv.endpoint)
	s := openStore(t, proxy.endpoint, "p", Options{})
	ctx := context.Background()
	data := randomBytes(70000, 8)

	if _, err := s.Put(ctx, bytes.NewReader(data), -1); err != nil {
		t.Fatal(err)
	}
	if proxy.puts.Load() == 0 {
		t.Fatal("first put sent no upload")
	}
	before := proxy.puts.Load()
	ref, err := s.Put(ctx, bytes.NewReader(data), int64(len(data)))
	if err != nil || ref.Key != sha256Hex(data) {
		t.Fatalf("second put: %+v, %v", ref, err)
	}
	if n := proxy.puts.Load() - before; n != 0 {
		t.Errorf("second put of the same bytes sent %d uploads, want none", n)
	}
}

func TestCredentialsFromProfile(t *testing.T) {
	srv := startServer(t)
	file := filepath.Join(t.TempDir(), "credentials")
	ini := "[default]\naws_access_key_id = nobody\naws_secret_access_key = wrong\n\n" +
		"[dlfs]\naws_access_key_id = " + testAccessKey + "\naws_secret_access_key = " +
		testSecretKey + "\n"
	if err := os.WriteFile(file, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", file)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))

	t.Setenv("AWS_PROFILE", "dlfs")
	s, err := Open(context.Background(), storeURL(srv.endpoint, ""), Options{})
	if err != nil {
		t.Fatalf("open with AWS_PROFILE=dlfs: %v", err)
	}
	s.Close()

	t.Setenv("AWS_PROFILE", "")
	if _, err := Open(context.Background(), storeURL(srv.endpoint, ""), Options{}); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("open with the default profile's wrong keys: %v, want ErrAccessDenied", err)
	}
}
