package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/dlfs/dlfs/blob"
)

// errStalled is the cause of a request cancelled by its stall guard.
var errStalled = errors.New("no progress within the request timeout")

// ErrAccessDenied means the server refused the credentials or the
// permission; Open's message says which variables to check.
var ErrAccessDenied = errors.New("access denied")

// ErrChanged means an object was replaced after its Reader was opened; the
// Reader refuses to mix two versions. Open it again.
var ErrChanged = errors.New("object changed since it was opened")

const (
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 2 * time.Second
)

// retry runs attempt until it succeeds, fails for good, or MaxRetryTime
// has passed since the first try; then the last error is wrapped with
// blob.ErrUnavailable. Bounded attempts also stop at that deadline, so the
// whole call ends within MaxRetryTime. Long transfers (uploads, listings)
// pass bounded=false: the stall guard alone cuts an attempt, and the
// MaxRetryTime window opens at the first failure.
func (s *Store) retry(ctx context.Context, what string, bounded bool,
	attempt func(ctx context.Context) error) error {
	start := time.Now()
	var deadline time.Time
	if bounded {
		deadline = start.Add(s.opt.MaxRetryTime)
	}
	backoff := firstBackoff
	for tries := 1; ; tries++ {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if bounded {
			actx, cancel = context.WithDeadline(ctx, deadline)
		}
		err := attempt(actx)
		cancel()
		if err != nil && deadline.IsZero() {
			deadline = time.Now().Add(s.opt.MaxRetryTime)
		}
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case !retryable(err):
			return fmt.Errorf("%s: %w", what, mapError(err))
		}

		wait := backoff/2 + rand.N(backoff/2+1)
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("%s: %d tries in %v, last: %v: %w", what, tries,
				time.Since(start).Round(time.Millisecond), err, blob.ErrUnavailable)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// retryable tells whether err is worth another try: a timeout, a stall,
// a broken or refused connection, a 5xx answer or throttling.
func retryable(err error) bool {
	if errors.Is(err, errStalled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, errShortBody) {
		return true
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var nerr net.Error
	if errors.As(err, &nerr) {
		return true
	}
	resp := errorResponse(err)
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return true
	case resp.Code == "SlowDown" || resp.Code == "RequestTimeout" ||
		resp.Code == "InternalError" || resp.Code == "ServiceUnavailable":
		return true
	}
	return false
}

// mapError wraps a final, non-retryable error with the blob sentinel that
// fits it.
func mapError(err error) error {
	resp := errorResponse(err)
	switch {
	case isAccessDenied(resp):
		return fmt.Errorf("%w: %w", ErrAccessDenied, err)
	case resp.Code == "NoSuchKey" || resp.Code == "NotFound" ||
		resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%w: %w", blob.ErrNotFound, err)
	case resp.StatusCode == http.StatusPreconditionFailed:
		return fmt.Errorf("%w: %w", ErrChanged, err)
	}
	return err
}

// errorResponse finds the server's error answer in err's chain, or
// returns the zero value.
func errorResponse(err error) minio.ErrorResponse {
	var resp minio.ErrorResponse
	errors.As(err, &resp)
	return resp
}

func isAccessDenied(resp minio.ErrorResponse) bool {
	switch resp.Code {
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch",
		"InvalidToken", "ExpiredToken", "AuthorizationHeaderMalformed",
		"XAdminUserNotFound": // versitygw's answer to an unknown access key
		return true
	}
	return resp.StatusCode == http.StatusForbidden
}

// stallGuard cancels a request context when kick has not been called for
// the timeout: it turns "no progress" into a retryable error while a slow
// but moving transfer goes on.
type stallGuard struct {
	timeout time.Duration
	timer   *time.Timer
	cancel  context.CancelCauseFunc
}

// newStallGuard returns a context cancelled with errStalled after timeout
// without a kick; stop releases it.
func newStallGuard(ctx context.Context, timeout time.Duration) (context.Context, *stallGuard) {
	gctx, cancel := context.WithCancelCause(ctx)
	g := &stallGuard{timeout: timeout, cancel: cancel}
	g.timer = time.AfterFunc(timeout, func() { cancel(errStalled) })
	return gctx, g
}

func (g *stallGuard) kick() { g.timer.Reset(g.timeout) }

func (g *stallGuard) stop() {
	g.timer.Stop()
	g.cancel(context.Canceled)
}

// stalled returns errStalled where the guard fired, else err.
func stalled(ctx context.Context, err error) error {
	if err != nil && errors.Is(context.Cause(ctx), errStalled) {
		return fmt.Errorf("%w: %v", errStalled, err)
	}
	return err
}

// kickReader kicks a guard on every read of an upload's source; it keeps
// ReadAt so minio-go uploads parts in parallel.
type kickReader struct {
	mu    sync.Mutex // serialises Read; ReadAt needs no lock
	r     io.ReaderAt
	off   int64
	size  int64
	guard *stallGuard
}

func (k *kickReader) Read(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.off >= k.size {
		return 0, io.EOF
	}
	n, err := k.ReadAt(p[:min(int64(len(p)), k.size-k.off)], k.off)
	k.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (k *kickReader) ReadAt(p []byte, off int64) (int, error) {
	k.guard.kick()
	return k.r.ReadAt(p, off)
}
