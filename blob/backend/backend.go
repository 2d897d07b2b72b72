// Package backend opens the blob backend a dataset records, from its spec:
//
//	local               the store's own content-addressed folder
//	link:/abs/folder    files read in place from a folder
//	s3://bucket/prefix?endpoint=...&region=...&path_style=true
package backend

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/linked"
	"github.com/dlfs/dlfs/blob/local"
)

// Options configure the backends that need more than their spec.
type Options struct {
	CacheDir     string // disk cache for remote blobs; "" for none
	CacheMaxSize int64  // bytes
}

// LinkPrefix starts the spec of a linked folder.
const LinkPrefix = "link:"

// Open returns the Store for spec. storeDir is the dlfs store folder.
func Open(ctx context.Context, spec, storeDir string, opt Options) (blob.Store, error) {
	switch {
	case spec == "" || spec == "local":
		return local.New(storeDir)
	case strings.HasPrefix(spec, LinkPrefix):
		dir := strings.TrimPrefix(spec, LinkPrefix)
		if !filepath.IsAbs(dir) {
			return nil, fmt.Errorf("backend %q: the linked folder must be an absolute path", spec)
		}
		return linked.New(dir)
	case strings.HasPrefix(spec, "s3://"):
		return openS3(ctx, spec, storeDir, opt)
	}
	return nil, fmt.Errorf("backend %q: unknown kind (use local, link:/folder or s3://bucket)", spec)
}

// LinkSpec returns the spec of a linked folder.
func LinkSpec(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return LinkPrefix + abs, nil
}
