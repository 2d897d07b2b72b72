package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/backend"
	dlfs "github.com/dlfs/dlfs/fs"
	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/render"
	"github.com/dlfs/dlfs/render/previewcache"
)

type renderOptions struct {
	dataset string
	path    string // the item to render, when not all
	output  string // where to write it; "-" for standard output
	all     bool
	quiet   bool
}

func renderCommand() *cli.Command {
	return &cli.Command{
		Name:      "render",
		Usage:     "draw an item's annotations on its image, or fill the preview cache",
		ArgsUsage: "[PATH]",
		Description: `Renders the image item at PATH with its annotations drawn on it (boxes,
polygons, lines, points, ellipses, masks, class captions, each label in its
own colour) and writes it to FILE: as PNG when FILE ends in .png, as JPEG
when it ends in .jpg or .jpeg, else as the mount shows it (JPEG for a JPEG
source, PNG otherwise). In the mount's format it is the very picture the
mount shows under MOUNTPOINT/.dlfs/preview/, made without a mount.

With --all, renders every image of the dataset into the store's preview
cache (STORE/previews, 2 GiB at most, least recently used previews go
first), so that a mount's preview folders list at the speed of plain ones.
A progress bar shows on a terminal.

The catalog is opened for the command's duration, so it cannot run while
a mount of the same store does.

Examples:
   dlfs render --dataset fruits /sub/000000000072.jpg -o 72.jpg
   dlfs render --dataset fruits /sub/000000000072.jpg -o 72.png    # lossless
   dlfs render --dataset fruits /train/a.webp -o - | display
   dlfs render --dataset fruits --all`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dataset", Aliases: []string{"d"}, Required: true,
				Usage: "dataset `NAME`"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"},
				Usage: "write the picture to `FILE` (- for standard output)"},
			&cli.BoolFlag{Name: "all", Usage: "render every image into the preview cache"},
		},
		Action: func(c *cli.Context) error {
			opt := renderOptions{dataset: c.String("dataset"), output: c.String("output"),
				all: c.Bool("all"), quiet: c.Bool("quiet")}
			args, err := trailingOutput(c.Args().Slice(), &opt.output)
			if err != nil {
				return err
			}
			switch {
			case opt.all && (len(args) > 0 || opt.output != ""):
				return fmt.Errorf("render: --all takes no PATH and no --output")
			case !opt.all && (len(args) != 1 || opt.output == ""):
				return fmt.Errorf("render: want one PATH and --output FILE, or --all")
			}
			if len(args) == 1 {
				opt.path = args[0]
			}
			return runRender(c, opt)
		},
	}
}

// trailingOutput takes -o FILE (or --output) written after PATH, which the
// flag parser leaves among the arguments, and returns the other arguments.
func trailingOutput(args []string, output *string) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o" || a == "--output" || a == "-output":
			if i+1 == len(args) {
				return nil, fmt.Errorf("render: %s wants a FILE", a)
			}
			*output = args[i+1]
			i++
		case strings.HasPrefix(a, "--output=") || strings.HasPrefix(a, "-o="):
			_, *output, _ = strings.Cut(a, "=")
		default:
			rest = append(rest, a)
		}
	}
	return rest, nil
}

func runRender(c *cli.Context, opt renderOptions) error {
	cat, err := openCatalog(c)
	if err != nil {
		return err
	}
	defer cat.Close()
	ds, err := cat.Dataset(opt.dataset)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	store, err := openBlobs(c.Context, cat, ds, backend.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	cache, err := previewcache.Open(filepath.Join(cat.Dir(), dlfs.PreviewDirName),
		previewcache.Options{Logger: logger})
	if err != nil {
		return err
	}
	prev := previewcache.NewPreviewer(cat, cache,
		func(context.Context, *meta.Dataset) (blob.Store, error) { return store, nil }, logger)

	if opt.all {
		return renderAll(c.Context, prev, ds, opt)
	}
	return renderOne(c.Context, prev, ds, opt)
}

// renderOne writes the preview of the item at opt.path to opt.output.
func renderOne(ctx context.Context, prev *previewcache.Previewer, ds *meta.Dataset,
	opt renderOptions) error {
	rec, err := prev.Catalog().ItemByPath(ds, opt.path)
	if err != nil {
		return fmt.Errorf("render %s: %w", opt.path, err)
	}
	src, ok, err := prev.Source(ds, rec.Item.ID)
	if err != nil {
		return fmt.Errorf("render %s: %w", opt.path, err)
	}
	if !ok {
		sys, _ := rec.Item.Metadata["system"].(map[string]any)
		return fmt.Errorf("render %s: not an image dlfs can draw on (mimetype %v)",
			opt.path, sys["mimetype"])
	}
	format := formatByName(opt.output)
	if format != "" && format != src.Format() {
		err = writeOut(opt.output, func(w io.Writer) error {
			return prev.Render(ctx, ds, &src, w, render.Options{Format: format})
		})
	} else {
		var ent previewcache.Entry
		if ent, err = prev.Preview(ctx, ds, &src); err == nil {
			err = copyOut(ent.Path, opt.output)
		}
		format = src.Format()
	}
	if err != nil {
		return fmt.Errorf("render %s: %w", opt.path, err)
	}
	if !opt.quiet && opt.output != "-" {
		fmt.Fprintf(os.Stderr, "%s: %s\n", opt.output, format)
	}
	return nil
}

// formatByName returns the format a file name's extension asks for, or ""
// for another extension.
func formatByName(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png":
		return render.FormatPNG
	case ".jpg", ".jpeg", ".jpe", ".jfif":
		return render.FormatJPEG
	}
	return ""
}

// copyOut copies the file at from to the file to (see writeOut).
func copyOut(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeOut(to, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// writeOut writes the file to (standard output for "-") with write, into a
// temporary file beside it that is renamed into place once complete.
func writeOut(to string, write func(io.Writer) error) error {
	if to == "-" {
		return write(os.Stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(to), ".dlfs-render-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), to)
}

// renderAll renders every image item of ds into the cache.
func renderAll(ctx context.Context, prev *previewcache.Previewer, ds *meta.Dataset,
	opt renderOptions) error {
	var ids []string
	err := prev.Catalog().Items(ds.ID, func(rec *meta.Record) error {
		sys, _ := rec.Item.Metadata["system"].(map[string]any)
		mt, _ := sys["mimetype"].(string)
		if rec.Item.Type != meta.TypeDir && previewcache.Renderable(mt) {
			ids = append(ids, rec.Item.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}

	var bar *progressbar.ProgressBar
	if !opt.quiet && isTerminal(os.Stderr) {
		bar = progressbar.NewOptions(len(ids), progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription("rendering"), progressbar.OptionShowCount(),
			progressbar.OptionShowIts(), progressbar.OptionSetItsString("images"))
	}
	st := renderIDs(ctx, prev, ds, ids, func() {
		if bar != nil {
			bar.Add(1)
		}
	})
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(os.Stderr)
	}

	files, bytes := prev.Cache().Usage()
	if !opt.quiet {
		fmt.Printf("dataset %s: %d images, %d rendered, %d already cached, %d failed; "+
			"cache %s: %d previews, %.1f MiB\n", ds.Name, len(ids), st.rendered.Load(),
			st.cached.Load(), len(st.failed), prev.Cache().Dir(), files, float64(bytes)/(1<<20))
	}
	if len(st.failed) > 0 {
		return cli.Exit(fmt.Sprintf("render: %d images failed, the first: %v", len(st.failed),
			st.failed[0]), 2)
	}
	return ctx.Err()
}

// renderStats counts what renderIDs did.
type renderStats struct {
	rendered, cached atomic.Int64
	mu               sync.Mutex // protects failed
	failed           []error
}

// renderIDs renders the items ids with as many goroutines as the cache has
// workers, calling step after each.
func renderIDs(ctx context.Context, prev *previewcache.Previewer, ds *meta.Dataset,
	ids []string, step func()) *renderStats {
	st := new(renderStats)
	todo := make(chan string)
	var wg sync.WaitGroup
	for range previewcache.DefaultWorkers {
		wg.Go(func() {
			for id := range todo {
				st.one(ctx, prev, ds, id)
				step()
			}
		})
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		todo <- id
	}
	close(todo)
	wg.Wait()
	return st
}

// one renders item id unless its preview is cached.
func (st *renderStats) one(ctx context.Context, prev *previewcache.Previewer, ds *meta.Dataset,
	id string) {
	src, ok, err := prev.Source(ds, id)
	if err == nil && ok {
		if _, hit := prev.Cached(&src); hit {
			st.cached.Add(1)
			return
		}
		_, err = prev.Preview(ctx, ds, &src)
	}
	if err != nil {
		st.mu.Lock()
		st.failed = append(st.failed, fmt.Errorf("item %s: %w", id, err))
		st.mu.Unlock()
		return
	}
	st.rendered.Add(1)
}
