package s3

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Options tune a Store. The zero value is usable: every zero field takes
// the default named on it.
type Options struct {
	// StagingDir holds Put's temporary files while the content is hashed
	// before upload. Default: os.TempDir().
	StagingDir string
	// RequestTimeout ends a request that makes no progress (no connection,
	// no answer, no bytes sent or received) for this long. Default 20s.
	RequestTimeout time.Duration
	// MaxRetryTime bounds the time an operation keeps retrying; after it
	// the operation fails with blob.ErrUnavailable. Default 60s.
	MaxRetryTime time.Duration
	// PartSize is the multipart upload part size; objects larger than it
	// are uploaded in parts, several at once. Default 16 MiB, at least
	// 5 MiB.
	PartSize int64
	// ReadAheadMax is the largest read-ahead block. Default 16 MiB.
	ReadAheadMax int
	// ReadAheadRequests is the number of read-ahead blocks fetched at
	// once by a sequential Reader. Default 3.
	ReadAheadRequests int
}

const (
	defaultRequestTimeout = 20 * time.Second
	defaultMaxRetryTime   = 60 * time.Second
	defaultPartSize       = 16 << 20
	minPartSize           = 5 << 20 // the S3 minimum
	minReadAhead          = 1 << 20
	defaultReadAheadMax   = 16 << 20
	defaultReadAheadReqs  = 3
)

func (o Options) withDefaults() Options {
	if o.StagingDir == "" {
		o.StagingDir = os.TempDir()
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = defaultRequestTimeout
	}
	if o.MaxRetryTime <= 0 {
		o.MaxRetryTime = defaultMaxRetryTime
	}
	if o.PartSize <= 0 {
		o.PartSize = defaultPartSize
	}
	o.PartSize = max(o.PartSize, minPartSize)
	if o.ReadAheadMax < minReadAhead {
		o.ReadAheadMax = defaultReadAheadMax
	}
	if o.ReadAheadRequests <= 0 {
		o.ReadAheadRequests = defaultReadAheadReqs
	}
	return o
}

// location is a parsed store URL.
type location struct {
	bucket    string
	prefix    string // without leading or trailing slash; may be empty
	endpoint  string // host[:port]
	secure    bool   // https
	region    string
	pathStyle bool
}

// endpointURL is the endpoint as the user would write it, for messages.
func (l location) endpointURL() string {
	if l.secure {
		return "https://" + l.endpoint
	}
	return "http://" + l.endpoint
}

// parseURL reads s3://BUCKET/PREFIX?endpoint=...&region=...&path_style=...
// Without endpoint it uses AWS_ENDPOINT_URL or AWS S3; without region,
// AWS_REGION or us-east-1.
func parseURL(raw string) (location, error) {
	var loc location
	u, err := url.Parse(raw)
	if err != nil {
		return loc, fmt.Errorf("parse s3 url %q: %w", raw, err)
	}
	if u.Scheme != "s3" || u.Host == "" {
		return loc, fmt.Errorf("parse s3 url %q: want s3://BUCKET/PREFIX", raw)
	}
	loc.bucket = u.Host
	loc.prefix = strings.Trim(u.Path, "/")
	q := u.Query()

	endpoint := firstNonEmpty(q.Get("endpoint"), os.Getenv("AWS_ENDPOINT_URL"),
		"https://s3.amazonaws.com")
	eu, err := url.Parse(endpoint)
	if err != nil || eu.Host == "" || (eu.Scheme != "http" && eu.Scheme != "https") {
		return loc, fmt.Errorf("parse s3 url %q: endpoint %q: want http(s)://HOST[:PORT]",
			raw, endpoint)
	}
	loc.endpoint = eu.Host
	loc.secure = eu.Scheme == "https"
	loc.region = firstNonEmpty(q.Get("region"), os.Getenv("AWS_REGION"), "us-east-1")

	if ps := q.Get("path_style"); ps != "" {
		loc.pathStyle, err = strconv.ParseBool(ps)
		if err != nil {
			return loc, fmt.Errorf("parse s3 url %q: path_style %q: want true or false",
				raw, ps)
		}
	}
	return loc, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
