package ingest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"sync"

	"github.com/dlfs/dlfs/blob/linked"
	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/meta/sysmeta"
)

// prepared is a job whose bytes are stored and whose record is built.
type prepared struct {
	job       *job
	rec       *meta.Record
	size      int64
	unchanged bool
	err       error
}

// batchItems bounds the items stored by one catalog transaction. Larger
// batches spread a commit's cost over more items; a batch too big for one
// transaction is split (see storeBatch).
const batchItems = 1024

// run prepares the jobs in parallel and stores them in batches.
func (im *Importer) run(ctx context.Context, jobs []job, res *Result) error {
	return im.pipeline(ctx, len(jobs), func(i int) prepared {
		return im.prepare(ctx, &jobs[i])
	}, res)
}

// pipeline prepares n inputs im.opt.Workers at a time and stores them in
// batches, in input order, counting problems and unchanged items in res.
func (im *Importer) pipeline(ctx context.Context, n int, prepare func(i int) prepared,
	res *Result) error {
	in := make(chan int)
	out := make([]chan prepared, n)
	for i := range out {
		out[i] = make(chan prepared, 1)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for range im.opt.Workers {
		wg.Go(func() {
			for i := range in {
				out[i] <- prepare(i)
			}
		})
	}
	go func() {
		defer close(in)
		for i := range n {
			select {
			case in <- i:
			case <-ctx.Done():
				return
			}
		}
	}()

	var batch []prepared
	for i := range n {
		var p prepared
		select {
		case p = <-out[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		switch {
		case p.err != nil:
			res.Problems = append(res.Problems, Problem{File: p.job.source(), Reason: p.err.Error()})
		case p.unchanged:
			res.Unchanged++
		default:
			batch = append(batch, p)
		}
		if len(batch) >= batchItems {
			if err := im.storeBatch(batch, res); err != nil {
				return err
			}
			batch = batch[:0]
		}
		if im.opt.Progress != nil {
			im.opt.Progress(i+1, n, res.Bytes)
		}
	}
	return im.storeBatch(batch, res)
}

// storeBatch writes a batch in one transaction. A batch too big for one
// transaction is stored in halves; when it fails otherwise, item by item,
// so that one bad item is reported and the others are kept.
func (im *Importer) storeBatch(batch []prepared, res *Result) error {
	if len(batch) == 0 {
		return nil
	}
	err := im.cat.Update(func(tx *meta.Tx) error {
		for _, p := range batch {
			if err := tx.PutItem(im.ds, p.rec, p.job.anns); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, p := range batch {
			res.count(p)
		}
		return nil
	}
	if meta.IsTxnTooBig(err) && len(batch) > 1 {
		half := len(batch) / 2
		if err := im.storeBatch(batch[:half], res); err != nil {
			return err
		}
		return im.storeBatch(batch[half:], res)
	}
	return im.storeEach(batch, res)
}

// storeEach writes the items of a batch one transaction each, reporting
// the ones refused.
func (im *Importer) storeEach(batch []prepared, res *Result) error {
	for _, p := range batch {
		err := im.cat.Update(func(tx *meta.Tx) error { return tx.PutItem(im.ds, p.rec, p.job.anns) })
		if errors.Is(err, meta.ErrExists) || errors.Is(err, meta.ErrBadPath) ||
			errors.Is(err, meta.ErrInvalid) {
			res.Problems = append(res.Problems, Problem{File: p.job.source(), Reason: err.Error()})
			continue
		}
		if err != nil {
			return err
		}
		res.count(p)
	}
	return nil
}

func (r *Result) count(p prepared) {
	r.Items++
	r.Bytes += p.size
	r.Annotations += len(p.job.anns)
}

// prepare stores the job's bytes and builds its record.
func (im *Importer) prepare(ctx context.Context, j *job) prepared {
	p := prepared{job: j}
	fi, err := os.Stat(j.file)
	if err != nil {
		p.err = err
		return p
	}
	p.size = fi.Size()
	var old *meta.Record
	if j.item == nil || j.item.ID == "" {
		old, err = im.cat.ItemByPath(im.ds, j.path)
		if err != nil && !errors.Is(err, meta.ErrNotFound) {
			p.err = err
			return p
		}
	}
	it, err := im.buildItem(j, old, p.size)
	if err != nil {
		p.err = err
		return p
	}
	key, err := im.putBlob(ctx, j.file, p.size)
	if err != nil {
		p.err = err
		return p
	}
	if old != nil && j.item == nil && old.Blob == key {
		p.unchanged = true
		return p
	}
	if j.item == nil {
		it.UpdatedAt = meta.Now()
	}
	p.rec = &meta.Record{Item: it, Blob: key}
	return p
}

// buildItem returns the item to store for j: the export's item checked
// against its binary, or one made from the file's bytes, keeping the id,
// times and user metadata of the item already at that path.
func (im *Importer) buildItem(j *job, old *meta.Record, size int64) (*meta.Item, error) {
	it := j.item
	if it != nil {
		if declared := it.Size(); declared >= 0 && declared != size {
			return nil, fmt.Errorf("metadata.system.size is %d but %s is %d bytes",
				declared, j.file, size)
		}
	} else {
		it = &meta.Item{Filename: j.path, Type: meta.TypeFile}
	}
	if old != nil {
		if it.ID == "" {
			it.ID = old.Item.ID
		}
		if it.CreatedAt == "" {
			it.CreatedAt = old.Item.CreatedAt
		}
		if it.Metadata == nil {
			it.Metadata = maps.Clone(old.Item.Metadata)
		}
	}
	if it.ID == "" {
		it.ID = meta.NewID()
	}
	if it.CreatedAt == "" {
		it.CreatedAt = meta.Now()
	}
	sys := it.System()
	if _, ok := sys["mimetype"]; !ok || j.item == nil {
		if err := probeInto(sys, j.file, size); err != nil {
			return nil, err
		}
	}
	return it, nil
}

// probeInto reads the file's system metadata into sys, keeping keys that
// are there already unless the file decides them (size, mimetype).
func probeInto(sys map[string]any, file string, size int64) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	got, err := sysmeta.Probe(f, size, file)
	if err != nil {
		return fmt.Errorf("read system metadata: %w", err)
	}
	for k, v := range got {
		sys[k] = v
	}
	return nil
}

// putBlob stores the file's bytes, or for a linked dataset names them.
func (im *Importer) putBlob(ctx context.Context, file string, size int64) (string, error) {
	if ls, ok := im.store.(*linked.Store); ok {
		return ls.KeyFor(file)
	}
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	ref, err := im.store.Put(ctx, f, size)
	if err != nil {
		return "", fmt.Errorf("store bytes: %w", err)
	}
	return ref.Key, nil
}
