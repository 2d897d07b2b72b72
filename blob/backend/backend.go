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
