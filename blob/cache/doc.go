// Package cache keeps recently read blob bytes of a slow store (S3) on
// local disk, behind the same blob.Store interface.
//
// The cache is chunked: a blob is cached in 4 MiB chunks, fetched when a
// read first touches them, so playing the start of a large video caches
// the start, not the whole file. A fetched chunk is served at once and
// written to disk in the background (a few at a time; past that the
// reader waits for the disk). Each chunk is one file under
//
//	DIR/blobs/ab/<sha256 of the key>/<chunk index>
//
// ending in a CRC-32C of its bytes; a "meta" file beside the chunks names
// the key and the blob's length. A chunk file's CRC is checked the first
// time it is read back after it was written or found by New; then reads go
// straight to the file. A chunk that fails is dropped and fetched again.
// A content key (64 hex digits) is also checked against the sha256 of the
// whole blob once every chunk of it is cached (at once for a blob of one
// chunk); a blob that fails is dropped.
//
// Eviction is least recently used over chunks and keeps two limits: the
// bytes of chunk files stay under maxBytes, and the cache's file system
// keeps at least minFree bytes free. A blob with an open Reader is pinned:
// its chunks are not evicted; when nothing can be evicted, the chunk is
// served without being cached. A Reader also hands out the open file of a
// checked chunk (blob.ChunkFder), so that the mount lets the kernel splice
// cached bytes as it does a local blob's; the file stays open until the
// span is released. New rebuilds the index from the files, so
// the cache survives a restart (recency then follows the files' times).
//
// Put, Walk and Delete go to the inner store; Delete also drops the cached
// chunks.
package cache
