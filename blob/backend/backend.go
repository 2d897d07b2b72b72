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
// file keeps other processes out of it.
package backend

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/linked"
	"github.com/dlfs/dlfs/blob/local"
)

// Options configure the backends that need more than their spec.
type Options struct {
	CacheDir     string // disk cache for remote blobs; "" for none
	CacheMaxSize int64  // bytes of cached chunks at most; must be > 0 with CacheDir
	CacheMinFree int64  // bytes the cache leaves free on its file system

	// RequestTimeout and MaxRetryTime, when not zero, override the spec's
	// request_timeout and max_retry_time for S3.
	RequestTimeout time.Duration
	MaxRetryTime   time.Duration
	// StagingDir holds uploads being hashed; "" for the system's temp folder.
	StagingDir string
}

// LinkPrefix starts the spec of a linked folder or bucket.
const LinkPrefix = "link:"

// S3Scheme starts the URL of an S3 backend.
const S3Scheme = "s3://"

// Open returns the Store for spec. storeDir is the dlfs store folder.
func Open(ctx context.Context, spec, storeDir string, opt Options) (blob.Store, error) {
	switch {
	case spec == "" || spec == "local":
		return local.New(storeDir)
	case strings.HasPrefix(spec, S3Scheme):
		return openS3(ctx, spec, opt)
	case strings.HasPrefix(spec, LinkPrefix+S3Scheme):
		return openS3(ctx, strings.TrimPrefix(spec, LinkPrefix), opt)
	case strings.HasPrefix(spec, LinkPrefix):
		dir := strings.TrimPrefix(spec, LinkPrefix)
		if !filepath.IsAbs(dir) {
			return nil, fmt.Errorf("backend %q: the linked folder must be an absolute path", spec)
		}
		return linked.New(dir)
	}
	return nil, fmt.Errorf("backend %q: unknown kind (use local, link:/folder or s3://bucket)", spec)
}

// IsRemote tells whether spec names a backend over the network, whose
// reachability a mount checks at start.
func IsRemote(spec string) bool {
	return strings.HasPrefix(spec, S3Scheme) || strings.HasPrefix(spec, LinkPrefix+S3Scheme)
}

// LinkSpec returns the spec of a linked folder.
func LinkSpec(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return LinkPrefix + abs, nil
}
