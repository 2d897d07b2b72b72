// Package s3 is the S3-compatible blob backend of dlfs: a blob.Store over
// one bucket and prefix of any server that speaks the S3 API (AWS, MinIO,
// versitygw, Ceph), built on minio-go.
//
// A store is named by a URL:
//
//	s3://BUCKET/PREFIX?endpoint=http://127.0.0.1:7070&region=us-east-1&path_style=true
//
// Credentials come, first match wins, from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, then from the shared
// credentials file (~/.aws/credentials, profile AWS_PROFILE or "default").
//
// # Keys
//
// Two kinds of key live side by side:
//
//   - A content key is 64 lowercase hex digits, the sha256 of the bytes.
//     Put returns one; its object is PREFIX/blobs/ab/cdef... (the first two
//     digits name a folder, the other 62 the object). Walk lists these.
//   - A linked key is "obj/" followed by an object name, relative to the
//     bucket, not to PREFIX: "obj/raw/cam1/0001.jpg" reads the object
//     raw/cam1/0001.jpg as it is. List feeds link imports of an existing
//     bucket or prefix; LinkKey builds the key. Linked objects belong to
//     the user: Delete refuses them with blob.ErrReadOnly and Walk skips
//     them.
//
// # Reads
//
// Open costs one HEAD. Every ReadAt is a ranged GET of the bytes asked for,
// so reading a header never fetches the whole object. A Reader that sees
// sequential reads starts reading ahead: blocks that grow from 1 MiB to
// Options.ReadAheadMax, up to Options.ReadAheadRequests of them in flight.
// A seek away or Close cancels them. Reads are pinned to the ETag seen at
// Open, so an object replaced meanwhile fails the read instead of mixing
// two versions.
//
// # Faults
//
// Every request stops when the network makes no progress for
// Options.RequestTimeout. Timeouts, 5xx answers, throttling and broken
// connections are retried with exponential backoff; when
// Options.MaxRetryTime has passed the operation fails with an error that
// wraps blob.ErrUnavailable. A missing object wraps blob.ErrNotFound.
package s3
