package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dlfs/dlfs/control"
	"github.com/dlfs/dlfs/meta"
)

// sharedCatalogKey is the context key of the catalog a mount process
// lends to the commands it runs for other processes.
type sharedCatalogKey struct{}

// sharedCatalog returns the catalog lent to a forwarded command, or nil.
func sharedCatalog(c *cli.Context) *meta.Catalog {
	if c.Context == nil {
		return nil
	}
	cat, _ := c.Context.Value(sharedCatalogKey{}).(*meta.Catalog)
	return cat
}

// notForwarded lists the commands that never run inside a mount process:
// a second mount must fail clearly, and gc must not remove bytes that the
// mount is about to point an item at.
var notForwarded = []string{"mount", "gc"}

// forwardedExit is the exit status of a command that a mount process ran
// for this one; its output has been printed already.
type forwardedExit struct{ code int }

func (f forwardedExit) Error() string { return fmt.Sprintf("forwarded command exited %d", f.code) }

// forward runs this process's command line in the mount process that holds
// the store in dir, when the command allows it. lockErr is the error of
// opening the catalog, returned when no mount process answers.
func forward(c *cli.Context, dir string, lockErr error) error {
	if sharedCatalog(c) != nil || c.Command == nil || slices.Contains(notForwarded, c.Command.Name) {
		return lockErr
	}
	wd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("%w (and no working folder to forward from: %v)", lockErr, err)
	}
	args := append([]string{"--store", dir}, os.Args[1:]...)
	logger.Debug("the store is held by a mount; running the command there",
		"store", dir, "socket", control.SocketPath(dir))
	code, err := control.Run(dir, wd, args, os.Stdout, os.Stderr)
	if errors.Is(err, control.ErrNoServer) {
		return lockErr
	}
	if err != nil {
		return fmt.Errorf("%w; running the command in the mount process failed: %v", lockErr, err)
	}
	return forwardedExit{code}
}

// Run runs a command line forwarded by another dlfs process, in-process,
// with the mount's catalog. Forwarded commands run one at a time: they
// write to os.Stdout and os.Stderr and resolve paths in the client's
// working folder, which are the process's own.
func (o *mountOps) Run(ctx context.Context, req *control.Request, stdout, stderr io.Writer) int {
	if !o.runMu.TryLock() {
		fmt.Fprintln(stderr, "dlfs: waiting for another command running in the mount process")
		o.runMu.Lock()
	}
	defer o.runMu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(o.ctx, cancel)
	defer stop()

	o.forwarding.Add(1)
	defer o.forwarding.Add(-1)
	code := o.runRedirected(ctx, req, stdout, stderr)

	// Let the kernel hear of every change before the client goes on.
	bctx, bcancel := context.WithTimeout(o.ctx, 10*time.Second)
	defer bcancel()
	if err := o.cat.Barrier(bctx); err != nil {
		logger.Warn("waiting for kernel notices of a forwarded command", "err", err)
	}
	o.metrics.Recount()
	return code
}

// runRedirected runs the command with the process's standard output and
// error and working folder pointed at the client's, and puts them back
// afterwards. Its log lines go to the mount's log (see setupLogging).
func (o *mountOps) runRedirected(ctx context.Context, req *control.Request,
	stdout, stderr io.Writer) int {
	outW, outDone, err := pipeTo(stdout)
	if err != nil {
		fmt.Fprintln(stderr, "dlfs:", err)
		return 1
	}
	errW, errDone, err := pipeTo(stderr)
	if err != nil {
		outW.Close()
		<-outDone
		fmt.Fprintln(stderr, "dlfs:", err)
		return 1
	}
	oldOut, oldErr := os.Stdout, os.Stderr
	oldWd, _ := os.Getwd()
	os.Stdout, os.Stderr = outW, errW
	if req.Dir != "" {
		if err := os.Chdir(req.Dir); err != nil {
			fmt.Fprintf(errW, "dlfs: working folder %s: %v\n", req.Dir, err)
		}
	}

	ctx = context.WithValue(ctx, sharedCatalogKey{}, o.cat)
	code := runApp(ctx, append([]string{"dlfs"}, req.Args...))

	os.Stdout, os.Stderr = oldOut, oldErr
	if oldWd != "" {
		os.Chdir(oldWd)
	}
	outW.Close()
	errW.Close()
	<-outDone
	<-errDone
	return code
}

// pipeTo returns the write end of a pipe whose bytes are copied to w, and
// a channel closed once the copy has ended (after the write end is
// closed).
func pipeTo(w io.Writer) (*os.File, chan struct{}, error) {
	r, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("forwarded command: %w", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(w, r)
		r.Close()
	}()
	return pw, done, nil
}
