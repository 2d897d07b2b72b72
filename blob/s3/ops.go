package s3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/minio/minio-go/v7"

	"github.com/dlfs/dlfs/blob"
)

// uploadThreads is the number of parts a multipart Put sends at once.
const uploadThreads = 4

// Put hashes r into a staging file, then uploads it as the content object
// of its sha256, unless an object of that name and size is already there.
// Objects larger than Options.PartSize go up in parts, uploadThreads at a
// time. Concurrent Puts of the same content both succeed: S3 replaces an
// object atomically with identical bytes.
func (s *Store) Put(ctx context.Context, r io.Reader, size int64) (blob.Ref, error) {
	f, key, n, err := s.stage(r, size)
	if err != nil {
		return blob.Ref{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()

	name, _, _ := s.objectName(key)
	info, err := s.statObject(ctx, name)
	switch {
	case err == nil && info.Size == n:
		return blob.Ref{Key: key, Size: n}, nil
	case err != nil && !errors.Is(err, blob.ErrNotFound):
		return blob.Ref{}, fmt.Errorf("s3 put %s: %w", key, err)
	}

	err = s.retry(ctx, "s3 put "+key, false, func(ctx context.Context) error {
		gctx, guard := newStallGuard(ctx, s.opt.RequestTimeout)
		defer guard.stop()
		src := &kickReader{r: f, size: n, guard: guard}
		_, err := s.client.PutObject(gctx, s.loc.bucket, name, src, n, minio.PutObjectOptions{
			ContentType: "application/octet-stream",
			PartSize:    uint64(s.opt.PartSize),
			NumThreads:  uploadThreads,
		})
		return stalled(gctx, err)
	})
	if err != nil {
		return blob.Ref{}, err
	}
	return blob.Ref{Key: key, Size: n}, nil
}

// stage copies r into a new file in the staging folder while hashing it,
// and checks its length against size (-1: any).
func (s *Store) stage(r io.Reader, size int64) (*os.File, string, int64, error) {
	f, err := os.CreateTemp(s.opt.StagingDir, "dlfs-s3-put-*")
	if err != nil {
		return nil, "", 0, fmt.Errorf("s3 put: staging file: %w", err)
	}
	fail := func(err error) (*os.File, string, int64, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, "", 0, err
	}

	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		return fail(fmt.Errorf("s3 put: read content: %w", err))
	}
	if size >= 0 && n != size {
		return fail(fmt.Errorf("s3 put: read %d bytes, want %d: %w", n, size,
			blob.ErrSizeMismatch))
	}
	return f, hex.EncodeToString(h.Sum(nil)), n, nil
}

// Stat returns the length of key's object.
func (s *Store) Stat(ctx context.Context, key string) (int64, error) {
	name, _, err := s.objectName(key)
	if err != nil {
		return 0, err
	}
	info, err := s.statObject(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("s3 stat %s: %w", key, err)
	}
	return info.Size, nil
}

// statObject is a HEAD of name, retried.
func (s *Store) statObject(ctx context.Context, name string) (minio.ObjectInfo, error) {
	var info minio.ObjectInfo
	err := s.retry(ctx, "head "+name, true, func(ctx context.Context) error {
		gctx, guard := newStallGuard(ctx, s.opt.RequestTimeout)
		defer guard.stop()
		var err error
		info, err = s.client.StatObject(gctx, s.loc.bucket, name, minio.StatObjectOptions{})
		return stalled(gctx, err)
	})
	return info, err
}

// Delete removes a content object; linked objects are the user's and
// fail with blob.ErrReadOnly.
func (s *Store) Delete(ctx context.Context, key string) error {
	name, linked, err := s.objectName(key)
	if err != nil {
		return err
	}
	if linked {
		return fmt.Errorf("s3 delete %s: linked object: %w", key, blob.ErrReadOnly)
	}
	return s.retry(ctx, "s3 delete "+key, true, func(ctx context.Context) error {
		gctx, guard := newStallGuard(ctx, s.opt.RequestTimeout)
		defer guard.stop()
		err := s.client.RemoveObject(gctx, s.loc.bucket, name, minio.RemoveObjectOptions{})
		if errors.Is(mapError(err), blob.ErrNotFound) {
			return nil
		}
		return stalled(gctx, err)
	})
}

// Walk calls fn for every content object under PREFIX/blobs/; linked
// objects are not the store's and are not walked.
func (s *Store) Walk(ctx context.Context, fn func(key string, size int64) error) error {
	return s.list(ctx, s.blobsDir(), func(name string, size int64) error {
		if key, ok := s.contentKey(name); ok {
			return fn(key, size)
		}
		return nil
	})
}

// List calls fn with the name (relative to the bucket) and size of every
// object whose name starts with prefix, in name order, for link imports;
// LinkKey(name) is the key that reads it. Folder markers (names ending in
// "/") are skipped.
func (s *Store) List(ctx context.Context, prefix string,
	fn func(name string, size int64) error) error {
	return s.list(ctx, prefix, fn)
}

// list pages through the names under prefix. A page that fails is asked
// again from the last name delivered, so fn sees every name once.
func (s *Store) list(ctx context.Context, prefix string,
	fn func(name string, size int64) error) error {
	var after string
	var fnErr error
	err := s.retry(ctx, "s3 list "+prefix, false, func(ctx context.Context) error {
		gctx, guard := newStallGuard(ctx, s.opt.RequestTimeout)
		defer guard.stop()
		opts := minio.ListObjectsOptions{Prefix: prefix, Recursive: true, StartAfter: after}
		for obj := range s.client.ListObjects(gctx, s.loc.bucket, opts) {
			guard.kick()
			if obj.Err != nil {
				return stalled(gctx, obj.Err)
			}
			if len(obj.Key) > 0 && obj.Key[len(obj.Key)-1] == '/' {
				continue
			}
			if fnErr = fn(obj.Key, obj.Size); fnErr != nil {
				return nil
			}
			after = obj.Key
		}
		return stalled(gctx, gctx.Err())
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}
