// Package linked is the blob backend that reads files in place from a
// folder the user already has (`dlfs import --link`). Keys are paths
// relative to the folder, with forward slashes. It never writes: Put and
// Delete answer blob.ErrReadOnly.
package linked

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/local"
)

// Store reads blobs from a folder in place. It is safe for concurrent use.
type Store struct {
	root string // absolute, read-only after New
}

var (
	_ blob.Store       = (*Store)(nil)
	_ blob.LocalPather = (*Store)(nil)
)

// New returns a store over root, which must be a folder.
func New(root string) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("linked store %s: %w", root, err)
	}
	return &Store{root: abs}, nil
}

// Root returns the linked folder.
func (s *Store) Root() string { return s.root }

// KeyFor returns the key of a file inside the root, or an error when the
// file lies outside it.
func (s *Store) KeyFor(file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(s.root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("%s is outside the linked folder %s", file, s.root)
	}
	return filepath.ToSlash(rel), nil
}

// LocalPath returns the file for key, refusing keys that leave the root.
func (s *Store) LocalPath(key string) (string, bool) {
	clean := path.Clean("/" + key)
	if key == "" || clean[1:] != key {
		return "", false
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), true
}

// Put is refused: a linked folder belongs to the user.
func (s *Store) Put(ctx context.Context, r io.Reader, size int64) (blob.Ref, error) {
	return blob.Ref{}, fmt.Errorf("put into %s: %w", s.root, blob.ErrReadOnly)
}

// Open opens the linked file.
func (s *Store) Open(ctx context.Context, key string) (blob.Reader, error) {
	p, ok := s.LocalPath(key)
	if !ok {
		return nil, fmt.Errorf("open linked %q: %w", key, blob.ErrNotFound)
	}
	return local.OpenFile(p, key)
}

// Stat returns the linked file's length.
func (s *Store) Stat(ctx context.Context, key string) (int64, error) {
	r, err := s.Open(ctx, key)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	return r.Size(), nil
}

// Delete is refused: a linked folder belongs to the user.
func (s *Store) Delete(ctx context.Context, key string) error {
	return fmt.Errorf("delete from %s: %w", s.root, blob.ErrReadOnly)
}

// Walk calls fn for every regular file under the root.
func (s *Store) Walk(ctx context.Context, fn func(key string, size int64) error) error {
	return filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		key, err := s.KeyFor(p)
		if err != nil {
			return err
		}
		return fn(key, fi.Size())
	})
}

// Close does nothing.
func (s *Store) Close() error { return nil }
