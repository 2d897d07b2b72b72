package backend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/s3"
)

// openS3 opens the S3 store named by rawURL, which checks the bucket and
// the credentials, and puts the disk cache in front of it when asked.
func openS3(ctx context.Context, rawURL string, opt Options) (blob.Store, error) {
	sopt, err := s3Options(rawURL, opt)
	if err != nil {
		return nil, err
	}
	if sopt.StagingDir != "" {
		if err := os.MkdirAll(sopt.StagingDir, 0o755); err != nil {
			return nil, fmt.Errorf("backend %q: staging folder: %w", rawURL, err)
		}
	}
	st, err := s3.Open(ctx, rawURL, sopt)
	if err != nil {
		return nil, err
	}
	if opt.CacheDir == "" {
		return &s3Store{Store: st}, nil
	}
	sc, err := acquireCache(opt.CacheDir, opt.CacheMaxSize, opt.CacheMinFree)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &cachedS3{s3: st, shared: sc, id: bucketID(rawURL)}, nil
}

// s3Options reads request_timeout and max_retry_time from the URL's query;
// opt's fields, when set, win.
func s3Options(rawURL string, opt Options) (s3.Options, error) {
	sopt := s3.Options{StagingDir: opt.StagingDir}
	u, err := url.Parse(rawURL)
	if err != nil {
		return sopt, fmt.Errorf("backend %q: %w", rawURL, err)
	}
	q := u.Query()
	for _, d := range []struct {
		name string
		flag time.Duration
		dst  *time.Duration
	}{
		{"request_timeout", opt.RequestTimeout, &sopt.RequestTimeout},
		{"max_retry_time", opt.MaxRetryTime, &sopt.MaxRetryTime},
	} {
		if d.flag > 0 {
			*d.dst = d.flag
			continue
		}
		v := q.Get(d.name)
		if v == "" {
			continue
		}
		if *d.dst, err = time.ParseDuration(v); err != nil || *d.dst <= 0 {
			return sopt, fmt.Errorf("backend %q: %s=%q: want a positive duration such as 5s",
				rawURL, d.name, v)
		}
	}
	return sopt, nil
}

// bucketID names the endpoint and bucket of rawURL in 16 hex digits, to
// keep linked keys of different buckets apart in a shared cache.
func bucketID(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "0000000000000000"
	}
	sum := sha256.Sum256([]byte(u.Query().Get("endpoint") + "\x00" + u.Host))
	return hex.EncodeToString(sum[:8])
}

// s3Store is an S3 store whose Readers fail fast after a failure (see
// failFast); List and ReadHeader serve link imports.
type s3Store struct {
	*s3.Store
}

func (s *s3Store) Open(ctx context.Context, key string) (blob.Reader, error) {
	r, err := s.Store.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	return &failFast{Reader: r}, nil
}
