// Package fs serves datasets as a FUSE filesystem with go-fuse: every item
// a file at its path, folders for every path element, a virtual
// X.annotations.json beside each file, and item metadata as extended
// attributes.
//
// Lookups, stat, listings and xattrs are answered from the catalog alone;
// only open touches blob bytes. Errors become errno values in one place
// (errno.go). fs knows the catalog's API, never Badger.
package fs
