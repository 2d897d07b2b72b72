// Package blob stores the bytes of items behind one small interface, Store,
// with three backends: a content-addressed local folder (the default), a
// linked folder read in place, and an S3-compatible object store.
//
// blob knows nothing of items, datasets or FUSE: it moves bytes.
package blob
