package fs

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"syscall"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/meta"
)

// errnoOf maps an error of meta or blob to the errno a tool understands.
// An error with no mapping is logged once and answered EIO.
func (fsys *filesystem) errnoOf(op string, err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var errno syscall.Errno
	switch {
	case errors.As(err, &errno):
		return errno
	case errors.Is(err, meta.ErrNotFound), errors.Is(err, blob.ErrNotFound):
		return syscall.ENOENT
	case errors.Is(err, meta.ErrExists):
		return syscall.EEXIST
	case errors.Is(err, meta.ErrBadPath), errors.Is(err, meta.ErrInvalid):
		fsys.log.Info("refused", "op", op, "err", err)
		return syscall.EINVAL
	case errors.Is(err, meta.ErrNotEmpty):
		return syscall.ENOTEMPTY
	case errors.Is(err, blob.ErrReadOnly):
		return syscall.EROFS
	case errors.Is(err, context.Canceled):
		return syscall.EINTR
	case errors.Is(err, blob.ErrUnavailable):
		fsys.log.Warn("backend unavailable", "op", op, "err", err)
		return syscall.EIO
	}
	if _, seen := fsys.unmapped.LoadOrStore(err.Error(), true); !seen {
		fsys.log.Error("unexpected error, answering EIO", "op", op, "err", err)
	}
	return syscall.EIO
}

// onceLogger logs a message the first time a key is seen.
type onceLogger struct {
	seen sync.Map
	log  *slog.Logger
}

func (o *onceLogger) Info(key, msg string, args ...any) {
	if _, dup := o.seen.LoadOrStore(key, true); !dup {
		o.log.Info(msg, args...)
	}
}
