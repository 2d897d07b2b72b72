package meta

import "errors"

// Sentinel errors of the catalog; callers test them with errors.Is.
var (
	// ErrNotFound means no dataset, item or folder exists under that name.
	ErrNotFound = errors.New("not found")
	// ErrExists means the name is already taken.
	ErrExists = errors.New("already exists")
	// ErrBadPath means an item path is not acceptable (see CleanFilename).
	ErrBadPath = errors.New("bad item path")
	// ErrInvalid means a value does not have the required shape.
	ErrInvalid = errors.New("invalid value")
	// ErrNotEmpty means a folder still holds entries.
	ErrNotEmpty = errors.New("folder not empty")
	// ErrLocked means another process holds the store.
	ErrLocked = errors.New("store is in use by another process")
)
