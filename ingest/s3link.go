package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"strings"

	"github.com/dlfs/dlfs/blob"
	"github.com/dlfs/dlfs/blob/s3"
	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/meta/sysmeta"
)

// objectLister is what a link import of a bucket needs of its store
// (blob/s3.Store): the listing and header reads.
type objectLister interface {
	blob.Store
	List(ctx context.Context, prefix string, fn func(name string, size int64) error) error
	ReadHeader(ctx context.Context, key string, n int) ([]byte, error)
}

// probeHeader is how much of an object a link import reads to fill its
// system metadata; a probe that needs more reads it with ranged GETs.
const probeHeader = 64 << 10

// object is one listed object of a link import.
type object struct {
	name string // object name, relative to the bucket
	path string // item filename: the name relative to the prefix
	size int64
}

// ImportObjects makes every object under prefix (a folder of the bucket,
// "" for all of it) an item that reads the object in place: no bytes are
// copied. The item's path is the object name relative to prefix; its
// system metadata come from the object's first bytes. The store must be
// an S3 store (blob/s3). An object listed with the key and size its item
// already has counts as unchanged and is not read.
func (im *Importer) ImportObjects(ctx context.Context, prefix string) (*Result, error) {
	st, ok := im.store.(objectLister)
	if !ok {
		return nil, fmt.Errorf("import of objects: the dataset's backend is not an object store")
	}
	prefix = strings.Trim(prefix, "/")
	listPrefix := prefix
	if prefix != "" {
		listPrefix += "/"
	}
	var objs []object
	var res Result
	err := st.List(ctx, listPrefix, func(name string, size int64) error {
		p, err := meta.CleanFilename(path.Clean("/" + strings.TrimPrefix(name, listPrefix)))
		if err != nil {
			res.Problems = append(res.Problems, Problem{File: name, Reason: err.Error()})
			return nil
		}
		objs = append(objs, object{name: name, path: p, size: size})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import of s3 objects under %q: %w", listPrefix, err)
	}
	if err := im.runObjects(ctx, st, objs, &res); err != nil {
		return &res, fmt.Errorf("import of s3 objects under %q: %w", listPrefix, err)
	}
	return &res, nil
}

// runObjects probes the objects im.opt.Workers at a time and stores them
// in batches, in listing order.
func (im *Importer) runObjects(ctx context.Context, st objectLister, objs []object,
	res *Result) error {
	return im.pipeline(ctx, len(objs), func(i int) prepared {
		return im.prepareObject(ctx, st, objs[i])
	}, res)
}

// prepareObject builds the record of one object, keeping the id, times
// and user metadata of the item already at its path.
func (im *Importer) prepareObject(ctx context.Context, st objectLister, o object) prepared {
	p := prepared{job: &job{path: o.path, file: "s3 object " + o.name}, size: o.size}
	key := s3.LinkKey(o.name)
	old, err := im.cat.ItemByPath(im.ds, o.path)
	if err != nil && !errors.Is(err, meta.ErrNotFound) {
		p.err = err
		return p
	}
	if old != nil && old.Blob == key && old.Item.Size() == o.size {
		p.unchanged = true
		return p
	}
	it := &meta.Item{Filename: o.path, Type: meta.TypeFile, ID: meta.NewID(),
		CreatedAt: meta.Now()}
	if old != nil {
		it.ID, it.CreatedAt = old.Item.ID, old.Item.CreatedAt
		it.Metadata = maps.Clone(old.Item.Metadata)
	}
	it.UpdatedAt = meta.Now()
	hr := &headerReader{ctx: ctx, st: st, key: key, size: o.size}
	got, err := sysmeta.Probe(hr, o.size, o.path)
	hr.close()
	if err == nil {
		err = hr.err
	}
	if err != nil {
		p.err = fmt.Errorf("read system metadata: %w", err)
		return p
	}
	sys := it.System()
	for k, v := range got {
		sys[k] = v
	}
	p.rec = &meta.Record{Item: it, Blob: key}
	return p
}

// headerReader serves a probe's reads from the object's first probeHeader
// bytes, fetched with one ranged GET on first use; reads beyond open the
// object for ranged reads. The first failure is kept in err.
type headerReader struct {
	ctx  context.Context
	st   objectLister
	key  string
	size int64

	head   []byte
	loaded bool
	rest   blob.Reader
	err    error
}

func (h *headerReader) ReadAt(p []byte, off int64) (int, error) {
	if !h.loaded {
		h.loaded = true
		h.head, h.err = h.st.ReadHeader(h.ctx, h.key, int(min(h.size, probeHeader)))
	}
	if h.err != nil {
		return 0, h.err
	}
	if end := min(off+int64(len(p)), h.size); end <= int64(len(h.head)) {
		return bytes.NewReader(h.head).ReadAt(p, off)
	}
	if h.rest == nil {
		if h.rest, h.err = h.st.Open(h.ctx, h.key); h.err != nil {
			return 0, h.err
		}
	}
	return h.rest.ReadAt(p, off)
}

// close releases the reader of the bytes past the header.
func (h *headerReader) close() {
	if h.rest != nil {
		h.rest.Close()
	}
}
