// Package backend opens the blob backend a dataset records, from its spec:
//
//	local                  the store's own content-addressed folder
//	link:/abs/folder       files read in place from a folder
//	s3://bucket/prefix?... an S3-compatible bucket: bytes under prefix/blobs/
//	link:s3://bucket/...   objects read in place from a bucket (no copy)
//
// An S3 spec takes endpoint, region and path_style (see blob/s3), and two
// fault bounds: request_timeout (a request with no progress for this long
// is cut and retried) and max_retry_time (after this long an operation
// fails, and a read in the mount answers EIO), both Go durations such as
// 5s. Options override them.
//
// With Options.CacheDir set, an S3 backend reads through a chunked disk
// cache (blob/cache) in that folder. Every S3 backend of one process that
// names the same folder shares one cache and so one size limit; a lock
// file keeps other processes out of it. Objects linked in place are cached
// under their bucket's id, so that two buckets' objects of one name stay
// apart. The first 256 KiB of a large blob the cache does not hold yet
// are read straight from S3, so that probing a video's header does not
// fetch a 4 MiB chunk.
//
// A read that found S3 unavailable (blob.ErrUnavailable, after
// max_retry_time) makes the reads of that open blob fail at once for the
// next second, so that the kernel's retry of the page does not wait
// again: a read syscall answers EIO within about max_retry_time plus
// request_timeout.
package backend
