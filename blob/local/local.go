// Package local is the default blob backend: a content-addressed folder.
//
// Each blob is stored once under blobs/ab/abcdef... where the name is the
// lowercase hex sha256 of its bytes. Put writes into staging/ first, fsyncs
// the file, verifies the length, and renames it into place, so a crash
// leaves either no blob or the whole blob; leftovers in staging/ are removed
// by Clean at the next start.
package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dlfs/dlfs/blob"
)

// Store is a content-addressed blob folder. It is safe for concurrent use.
type Store struct {
	root    string // read-only after New: holds blobs/ and staging/
	blobs   string
	staging string
}

var (
	_ blob.Store       = (*Store)(nil)
	_ blob.LocalPather = (*Store)(nil)
)

// New opens (creating when needed) the blob folder at root.
func New(root string) (*Store, error) {
	s := &Store{
		root:    root,
		blobs:   filepath.Join(root, "blobs"),
		staging: filepath.Join(root, "staging"),
	}
	for _, d := range []string{s.blobs, s.staging} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("blob store %s: %w", root, err)
		}
	}
	return s, nil
}

// StagingDir returns the folder where writes wait before they are stored.
// Files there belong to writers in progress; Clean removes them.
func (s *Store) StagingDir() string { return s.staging }

// Clean removes leftovers of interrupted writes from the staging folder. It
// must only be called while no Put or staged write is under way, as the
// owner of the store does at start.
func (s *Store) Clean() (int, error) {
	entries, err := os.ReadDir(s.staging)
	if err != nil {
		return 0, fmt.Errorf("clean staging %s: %w", s.staging, err)
	}
	n := 0
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(s.staging, e.Name())); err != nil {
			return n, fmt.Errorf("clean staging: %w", err)
		}
		n++
	}
	return n, nil
}

// validKey reports whether key looks like a sha256 hex name.
func validKey(key string) bool {
	if len(key) != 64 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (s *Store) path(key string) string {
	return filepath.Join(s.blobs, key[:2], key)
}

// LocalPath returns the file that holds key's bytes.
func (s *Store) LocalPath(key string) (string, bool) {
	if !validKey(key) {
		return "", false
	}
	return s.path(key), true
}

// Put streams r into the store, hashing as it goes.
func (s *Store) Put(ctx context.Context, r io.Reader, size int64) (blob.Ref, error) {
	tmp, err := os.CreateTemp(s.staging, "put-*")
	if err != nil {
		return blob.Ref{}, fmt.Errorf("put: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed

	ref, err := s.writeTemp(tmp, r, size)
	if err != nil {
		return blob.Ref{}, err
	}
	if err := s.Adopt(tmp.Name(), ref); err != nil {
		return blob.Ref{}, err
	}
	return ref, nil
}

// writeTemp copies r into tmp, fsyncs and closes it, and checks the length.
func (s *Store) writeTemp(tmp *os.File, r io.Reader, size int64) (blob.Ref, error) {
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return blob.Ref{}, fmt.Errorf("put: %w", err)
	}
	if size >= 0 && n != size {
		return blob.Ref{}, fmt.Errorf("put: %w: read %d bytes, expected %d",
			blob.ErrSizeMismatch, n, size)
	}
	return blob.Ref{Key: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// Adopt moves a finished, fsynced staging file into the store as ref.Key.
// When the blob already exists the staging file is simply removed.
func (s *Store) Adopt(tmpPath string, ref blob.Ref) error {
	dst := s.path(ref.Key)
	if fi, err := os.Stat(dst); err == nil && fi.Size() == ref.Size {
		return os.Remove(tmpPath)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("put %s: %w", ref.Key, err)
	}
	if err := os.Rename(tmpPath, dst); err != nil {
		return fmt.Errorf("put %s: %w", ref.Key, err)
	}
	return syncDir(filepath.Dir(dst))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Open opens the blob for ranged reads.
func (s *Store) Open(ctx context.Context, key string) (blob.Reader, error) {
	if !validKey(key) {
		return nil, fmt.Errorf("open blob %q: %w", key, blob.ErrNotFound)
	}
	return OpenFile(s.path(key), key)
}

// Stat returns the blob's length.
func (s *Store) Stat(ctx context.Context, key string) (int64, error) {
	if !validKey(key) {
		return 0, fmt.Errorf("stat blob %q: %w", key, blob.ErrNotFound)
	}
	fi, err := os.Stat(s.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("stat blob %s: %w", key, blob.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("stat blob %s: %w", key, err)
	}
	return fi.Size(), nil
}

// Delete removes the blob; a missing blob is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if !validKey(key) {
		return nil
	}
	err := os.Remove(s.path(key))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete blob %s: %w", key, err)
	}
	return nil
}

// Walk calls fn for every stored blob.
func (s *Store) Walk(ctx context.Context, fn func(key string, size int64) error) error {
	return filepath.WalkDir(s.blobs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !validKey(d.Name()) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return fn(d.Name(), fi.Size())
	})
}

// Close does nothing: the folder needs no release.
func (s *Store) Close() error { return nil }

// File is a blob.Reader over an open local file.
type File struct {
	*os.File
	size int64
}

// Size returns the file's length when it was opened.
func (f *File) Size() int64 { return f.size }

// OpenFile opens a local file as a blob.Reader; name is used in errors.
func OpenFile(path, name string) (*File, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open blob %s: %w", name, blob.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open blob %s: %w", name, err)
	}
	return &File{File: f, size: fi.Size()}, nil
}
