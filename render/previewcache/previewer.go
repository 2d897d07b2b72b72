package previewcache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/render"
)

// maxFailures bounds how many failed renderings are remembered.
const maxFailures = 1024

// Previewer renders the previews of a catalog's items through a Cache.
// Its methods may be called concurrently.
type Previewer struct {
	cat   *meta.Catalog // read-only
	cache *Cache        // read-only
	blobs func(ctx context.Context, ds *meta.Dataset) (blob.Store, error)
	log   *slog.Logger // read-only

	logged sync.Map // keys of messages logged once

	mu      sync.Mutex          // protects the fields below
	failed  map[string]error    // keys whose rendering failed, not tried again
	records map[string]itemMemo // item id -> what its record says
}

// maxMemos bounds how many items' record facts are remembered.
const maxMemos = 1 << 16

// itemMemo is what an item's record says about its preview, kept while the
// item's folder entry shows the same inode, size and time.
type itemMemo struct {
	ino, mtime int64
	size       int64
	src        Source // without annotations
	ok         bool
}

// NewPreviewer returns a Previewer reading items from cat and their bytes
// from the store blobs opens for a dataset (a caller keeps the stores
// open; Previewer does not close them). log may be nil.
func NewPreviewer(cat *meta.Catalog, cache *Cache,
	blobs func(ctx context.Context, ds *meta.Dataset) (blob.Store, error),
	log *slog.Logger) *Previewer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Previewer{cat: cat, cache: cache, blobs: blobs, log: log,
		failed: map[string]error{}, records: map[string]itemMemo{}}
}

// Catalog returns the catalog the items are read from.
func (p *Previewer) Catalog() *meta.Catalog { return p.cat }

// Cache returns the cache the previews are kept in.
func (p *Previewer) Cache() *Cache { return p.cache }

// Source reads the preview source of item id of dataset ds. It answers
// false for an item without a preview, and logs once per MIME type that
// such items are left out.
func (p *Previewer) Source(ds *meta.Dataset, id string) (Source, bool, error) {
	rec, err := p.cat.Record(ds.ID, id)
	if err != nil {
		return Source{}, false, err
	}
	if rec.Item.Type == meta.TypeDir {
		return Source{}, false, nil
	}
	sidecar, err := p.cat.SidecarJSON(ds.ID, id)
	if err != nil {
		return Source{}, false, err
	}
	src, mt, ok := SourceOf(rec, sidecar)
	if !ok {
		p.once("type:"+mt, "items of this type have no preview; left out of preview/",
			"mimetype", mt, "example", rec.Item.Filename)
	}
	return src, ok, nil
}

// SourceFor is Source for the item of folder entry d. The facts read from
// the item's record (blob, type, orientation) are remembered while d's
// inode, size and modification time stay the same, so that listing a
// folder again reads only the annotations of each item. The annotations
// are read every time: they can change without changing the entry.
func (p *Previewer) SourceFor(ds *meta.Dataset, d *meta.Dirent) (Source, bool, error) {
	p.mu.Lock()
	m, hit := p.records[d.ItemID]
	p.mu.Unlock()
	if !hit || m.ino != int64(d.Inode) || m.mtime != d.MtimeNs || m.size != d.Size {
		src, ok, err := p.Source(ds, d.ItemID)
		if err != nil {
			return Source{}, false, err
		}
		m = itemMemo{ino: int64(d.Inode), mtime: d.MtimeNs, size: d.Size, src: src, ok: ok}
		m.src.Annotations, m.src.key = nil, ""
		p.mu.Lock()
		if len(p.records) >= maxMemos {
			clear(p.records)
		}
		p.records[d.ItemID] = m
		p.mu.Unlock()
		return src, ok, nil
	}
	if !m.ok {
		return Source{}, false, nil
	}
	sidecar, err := p.cat.SidecarJSON(ds.ID, d.ItemID)
	if err != nil {
		return Source{}, false, err
	}
	src := m.src
	src.Annotations = sidecar
	src.key = src.makeKey()
	return src, true, nil
}

// Cached returns src's preview when it is in the cache.
func (p *Previewer) Cached(src *Source) (Entry, bool) { return p.cache.Lookup(src.Key()) }

// Pending reports whether src's preview is being rendered now.
func (p *Previewer) Pending(src *Source) bool { return p.cache.Pending(src.Key()) }

// Preview returns src's preview, rendering it when it is not cached. A
// rendering that failed is not tried again while the Previewer lives; the
// same error is returned. Only failures of the image itself (it does not
// decode, it is too large) are remembered; a failed read or write is tried
// again at the next call.
func (p *Previewer) Preview(ctx context.Context, ds *meta.Dataset, src *Source) (Entry, error) {
	key := src.Key()
	p.mu.Lock()
	err := p.failed[key]
	p.mu.Unlock()
	if err != nil {
		return Entry{}, err
	}

	s := *src
	ent, err := p.cache.Get(ctx, key, func(w io.Writer) error {
		return p.Render(context.WithoutCancel(ctx), ds, &s, w, render.Options{})
	})
	var bad *badImageError
	if errors.As(err, &bad) {
		p.mu.Lock()
		if len(p.failed) >= maxFailures {
			clear(p.failed)
		}
		p.failed[key] = err
		p.mu.Unlock()
	}
	return ent, err
}

// Render draws src's annotations on its image and writes the result to w,
// bypassing the cache (opt may ask for another format or size than the
// previews have).
func (p *Previewer) Render(ctx context.Context, ds *meta.Dataset, src *Source, w io.Writer,
	opt render.Options) error {
	store, err := p.blobs(ctx, ds)
	if err != nil {
		return fmt.Errorf("preview %s: %w", src.ItemID, err)
	}
	r, err := store.Open(ctx, src.Blob)
	if err != nil {
		return fmt.Errorf("preview %s: %w", src.ItemID, err)
	}
	defer r.Close()
	anns, err := meta.DecodeAnnotations(src.Annotations)
	if err != nil {
		p.log.Warn("preview: unreadable annotations; drawing none", "item", src.ItemID, "err", err)
		anns = nil
	}
	maps := make([]map[string]any, len(anns))
	for i, a := range anns {
		maps[i] = a
	}

	out := &watchedWriter{w: w}
	res, err := render.Render(out, io.NewSectionReader(r, 0, r.Size()), src.Orientation, maps, opt)
	if err != nil && out.err == nil && ctx.Err() == nil {
		err = &badImageError{err: err}
	}
	if err != nil {
		return fmt.Errorf("preview %s (%s): %w", src.ItemID, src.Name, err)
	}
	for _, typ := range res.Skipped {
		p.once("skip:"+typ, "annotations of this type are not drawn in previews",
			"type", typ, "example_item", src.ItemID)
	}
	for _, why := range res.Problems {
		p.log.Debug("preview: annotation not drawn", "item", src.ItemID, "why", why)
	}
	return nil
}

// badImageError is a rendering that failed on the image itself (it does
// not decode, it is too large): trying again gives the same answer.
type badImageError struct{ err error }

func (e *badImageError) Error() string { return e.err.Error() }
func (e *badImageError) Unwrap() error { return e.err }

// watchedWriter remembers the first write error, to tell a failed write
// (a full disk) from a bad image.
type watchedWriter struct {
	w   io.Writer
	err error
}

func (ww *watchedWriter) Write(b []byte) (int, error) {
	n, err := ww.w.Write(b)
	if err != nil && ww.err == nil {
		ww.err = err
	}
	return n, err
}

// once logs a message the first time key is seen.
func (p *Previewer) once(key, msg string, args ...any) {
	if _, dup := p.logged.LoadOrStore(key, true); !dup {
		p.log.Info(msg, args...)
	}
}
