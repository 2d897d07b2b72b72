package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/backend"
	"github.com/dlfs/dlfs/meta"
)

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "store", EnvVars: []string{"DLFS_STORE"},
			Usage: "the store `DIR` (default $XDG_DATA_HOME/dlfs, i.e. ~/.local/share/dlfs)"},
		&cli.BoolFlag{Name: "debug", Usage: "log per-operation detail"},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format: text or json"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors"},
	}
}

// logger is the process's logger, set up by setupLogging.
var logger = slog.New(slog.NewTextHandler(os.Stderr, nil))

func setupLogging(c *cli.Context) error {
	level := slog.LevelInfo
	if c.Bool("debug") {
		level = slog.LevelDebug
	} else if c.Bool("quiet") {
		level = slog.LevelWarn
	}
	opt := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch c.String("log-format") {
	case "text":
		h = slog.NewTextHandler(os.Stderr, opt)
	case "json":
		h = slog.NewJSONHandler(os.Stderr, opt)
	default:
		return fmt.Errorf("--log-format %q: use text or json", c.String("log-format"))
	}
	// A command run by a mount process for another one logs to the
	// mount's log: the logger is shared by the whole process.
	if sharedCatalog(c) == nil {
		logger = slog.New(h)
		slog.SetDefault(logger)
	}
	return nil
}

// storeDir returns the store folder from --store, DLFS_STORE or the default.
func storeDir(c *cli.Context) (string, error) {
	if d := c.String("store"); d != "" {
		return filepath.Abs(d)
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "dlfs"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no --store given and no home folder: %w", err)
	}
	return filepath.Join(home, ".local", "share", "dlfs"), nil
}

// openCatalog opens the store's catalog. When a mount holds it, the
// command is run by the mount process instead (see forward): the error
// returned then carries its exit status.
func openCatalog(c *cli.Context) (*meta.Catalog, error) {
	dir, err := storeDir(c)
	if err != nil {
		return nil, err
	}
	if shared := sharedCatalog(c); shared != nil && shared.Dir() == dir {
		return shared.Retain(), nil
	}
	cat, err := meta.Open(dir, meta.Options{Logger: logger})
	if errors.Is(err, meta.ErrLocked) {
		return nil, forward(c, dir, err)
	}
	return cat, err
}

// openBlobs opens a dataset's blob backend.
func openBlobs(ctx context.Context, cat *meta.Catalog, ds *meta.Dataset,
	opt backend.Options) (blob.Store, error) {
	return backend.Open(ctx, ds.Backend, cat.Dir(), opt)
}

// isTerminal reports whether f is a terminal (progress bars only there).
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
