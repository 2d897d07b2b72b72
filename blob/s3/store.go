package s3

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/dlfs/dlfs/blob"
)

// Store is a blob.Store over one bucket and prefix of an S3-compatible
// server. All methods may be called concurrently.
type Store struct {
	// read-only after Open
	loc       location
	opt       Options
	client    *minio.Client
	core      minio.Core
	transport *http.Transport
}

var _ blob.Store = (*Store)(nil)

// Open connects to the store named by rawURL (see the package doc), then
// checks that the bucket exists and that the credentials may list it.
func Open(ctx context.Context, rawURL string, opt Options) (*Store, error) {
	loc, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	transport := newTransport(opt.RequestTimeout)
	client, err := minio.New(loc.endpoint, &minio.Options{
		Creds:        chainCredentials(),
		Secure:       loc.secure,
		Region:       loc.region,
		BucketLookup: bucketLookup(loc.pathStyle),
		Transport:    transport,
		MaxRetries:   1, // Store.retry retries, within Options.MaxRetryTime
	})
	if err != nil {
		return nil, fmt.Errorf("s3 bucket %q at %s: %w", loc.bucket, loc.endpointURL(), err)
	}
	s := &Store{loc: loc, opt: opt, client: client, core: minio.Core{Client: client},
		transport: transport}
	if err := s.checkBucket(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// chainCredentials reads the AWS variables, then the shared credentials
// file; with neither, requests go unsigned and the server refuses them.
func chainCredentials() *credentials.Credentials {
	return credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.FileAWSCredentials{},
	})
}

func bucketLookup(pathStyle bool) minio.BucketLookupType {
	if pathStyle {
		return minio.BucketLookupPath
	}
	return minio.BucketLookupAuto
}

// newTransport is an HTTP transport whose connects and answers are bounded
// by timeout; stalls in the middle of a body are the stall guard's.
func newTransport(timeout time.Duration) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = timeout
	tr.ResponseHeaderTimeout = timeout
	tr.MaxIdleConnsPerHost = 32
	tr.DisableCompression = true // ranged reads must count raw bytes
	return tr
}

// checkBucket lists at most one key of the bucket: one request that proves
// the endpoint answers, the bucket exists and the credentials work.
func (s *Store) checkBucket(ctx context.Context) error {
	where := fmt.Sprintf("s3 bucket %q at %s", s.loc.bucket, s.loc.endpointURL())
	err := s.retry(ctx, where, true, func(ctx context.Context) error {
		gctx, guard := newStallGuard(ctx, s.opt.RequestTimeout)
		defer guard.stop()
		opts := minio.ListObjectsOptions{Prefix: s.loc.prefix, MaxKeys: 1}
		for obj := range s.client.ListObjects(gctx, s.loc.bucket, opts) {
			return stalled(gctx, obj.Err)
		}
		return stalled(gctx, gctx.Err())
	})
	if err == nil {
		return nil
	}
	resp := errorResponse(err)
	switch {
	case resp.Code == "NoSuchBucket":
		return fmt.Errorf("%s: bucket does not exist (create it, or fix the url)", where)
	case errors.Is(err, ErrAccessDenied):
		return fmt.Errorf("%s: %w (%s): check AWS_ACCESS_KEY_ID and "+
			"AWS_SECRET_ACCESS_KEY, or AWS_PROFILE and ~/.aws/credentials",
			where, ErrAccessDenied, firstNonEmpty(resp.Code, "403"))
	case errors.Is(err, blob.ErrUnavailable):
		return fmt.Errorf("%s: endpoint does not answer: %w", where, err)
	}
	return err
}

// Close releases idle connections. Readers still open keep working until
// they are closed.
func (s *Store) Close() error {
	s.transport.CloseIdleConnections()
	return nil
}
