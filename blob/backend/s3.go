package backend

import (
	"context"
	"fmt"

	"github.com/dlfs/dlfs/blob"
)

// openS3 opens an S3 backend.
// TODO: wire in the S3 backend (blob/s3) and its disk cache (blob/cache).
func openS3(ctx context.Context, spec, storeDir string, opt Options) (blob.Store, error) {
	return nil, fmt.Errorf("backend %q: the S3 backend is not built into this dlfs yet", spec)
}
