package s3

import (
	"bytes"
	"context"
	"io"
	"os"
	"testing"
)

// TestExternalServer runs a round trip against the store named by
// DLFS_S3_URL (with the AWS_* credentials in the environment), such as the
// one scripts/s3server.sh prints, or a real bucket. It skips without it.
func TestExternalServer(t *testing.T) {
	url := os.Getenv("DLFS_S3_URL")
	if url == "" {
		t.Skip("DLFS_S3_URL not set: no external S3 server to try")
	}
	ctx := context.Background()
	s, err := Open(ctx, url, Options{StagingDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	data := randomBytes(3<<20+5, 99)
	ref, err := s.Put(ctx, bytes.NewReader(data), int64(len(data)))
	if err != nil || ref.Key != sha256Hex(data) {
		t.Fatalf("put: %+v, %v", ref, err)
	}
	r, err := s.Open(ctx, ref.Key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
	r.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %d bytes, %v", len(got), err)
	}
	if err := s.Delete(ctx, ref.Key); err != nil {
		t.Fatal(err)
	}
}
