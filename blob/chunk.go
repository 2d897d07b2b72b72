package blob

// FileSpan is part of a blob held in a local file: Len bytes at Off of
// the open file Fd. Fd stays open, with those bytes unchanged, until
// Release is called; Release must be called exactly once, when the bytes
// were read (the filesystem calls it once the kernel has them).
type FileSpan struct {
	Fd      uintptr
	Off     int64
	Len     int
	Release func()
}

// ChunkFder is implemented by Readers that keep a blob in local files, a
// piece (chunk) per file, such as the disk cache's. The filesystem uses it
// to let the kernel copy a read straight from the file, as it does for a
// local blob.
type ChunkFder interface {
	// ChunkFd returns the file span holding the blob's bytes
	// [off, off+n), cut short at the blob's end, and true when one local
	// file that passed its check holds all of them. On false, nothing is
	// held and the caller reads with ReadAt.
	ChunkFd(off int64, n int) (FileSpan, bool)
}
