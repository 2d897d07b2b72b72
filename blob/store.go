package blob

import (
	"context"
	"errors"
	"io"
)

// Sentinel errors every backend returns (wrapped) so that callers can map
// them with errors.Is.
var (
	// ErrNotFound means no blob exists under the key.
	ErrNotFound = errors.New("blob not found")
	// ErrReadOnly means the backend does not accept writes (a linked folder).
	ErrReadOnly = errors.New("blob store is read-only")
	// ErrSizeMismatch means the bytes stored or read disagree with the
	// length the caller declared.
	ErrSizeMismatch = errors.New("blob size mismatch")
	// ErrUnavailable means the backend could not be reached in time
	// (network, timeouts, server errors after retries).
	ErrUnavailable = errors.New("blob backend unavailable")
)

// Store holds item bytes under string keys.
//
// Contract, for every implementation:
//   - All methods may be called concurrently from many goroutines.
//   - Put is atomic: either the whole content is stored under the returned
//     key, or nothing is; a reader never sees a partial blob. Storing the
//     same content twice is allowed; content-addressed stores keep one copy.
//   - Keys are opaque to callers: a content-addressed store derives them
//     from the bytes (sha256, lowercase hex), a linked store uses the path
//     relative to its root, an object store the object name.
//   - Open returns a Reader that serves ranged reads (ReadAt at any offset)
//     without fetching the rest of the blob; it stays valid, and its
//     content unchanged, until Close, even if the blob is deleted meanwhile
//     where the backend allows that (local files do).
//   - Errors wrap the sentinels above where one applies.
type Store interface {
	// Put stores the content read from r. size is the expected length,
	// or -1 when unknown; a different length fails with ErrSizeMismatch
	// and stores nothing.
	Put(ctx context.Context, r io.Reader, size int64) (Ref, error)

	// Open opens the blob named key for ranged reads.
	Open(ctx context.Context, key string) (Reader, error)

	// Stat returns the blob's length, or ErrNotFound.
	Stat(ctx context.Context, key string) (int64, error)

	// Delete removes the blob. Deleting a missing blob is not an error.
	Delete(ctx context.Context, key string) error

	// Walk calls fn for every blob in the store, in no particular order,
	// until fn returns an error, which Walk then returns.
	Walk(ctx context.Context, fn func(key string, size int64) error) error

	// Close releases the backend's resources.
	Close() error
}

// Ref names a stored blob.
type Ref struct {
	Key  string // the key to Open
	Size int64  // length in bytes
}

// Reader reads one blob at any offset. ReadAt follows io.ReaderAt and may be
// called concurrently.
type Reader interface {
	io.ReaderAt
	io.Closer
	// Size is the blob's length in bytes.
	Size() int64
}

// LocalPather is implemented by backends whose blobs are plain local files.
// The filesystem uses it to hand the file to the kernel directly
// (passthrough) and to read without copying through the backend.
type LocalPather interface {
	// LocalPath returns the file holding key's bytes, and false where the
	// blob is not a local file.
	LocalPath(key string) (string, bool)
}
