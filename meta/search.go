package meta

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/dgraph-io/badger/v4"

	"github.com/dlfs/dlfs/meta/query"
)

// SearchOptions tune Catalog.Search.
type SearchOptions struct {
	// AllPages returns every match when the query asks for the default
	// page (page 0 of DefaultPageSize): tools that list a whole answer,
	// such as `dlfs find` and query folders, set it. A query that names
	// another page or page size is paged as asked.
	AllPages bool
	// FullScan reads every item instead of using the indexes (to check
	// the planner, and to time it).
	FullScan bool
}

// Explain tells how a search was answered.
type Explain struct {
	// Index is the indexed condition whose entries gave the candidates,
	// such as `label = dog`, or "" when every item was read.
	Index string
	// Candidates is the number of items read and checked.
	Candidates int
	// Matches is the number of items that matched, before paging.
	Matches int
}

// String describes the plan in one line.
func (e Explain) String() string {
	if e.Index == "" {
		return fmt.Sprintf("full scan: %d items read, %d matches", e.Candidates, e.Matches)
	}
	return fmt.Sprintf("index %s: %d candidates, %d matches", e.Index, e.Candidates,
		e.Matches)
}

// Result is the answer to a search: the matching items of the requested
// page, in the query's order.
type Result struct {
	Records []*Record
	Explain Explain
}

// hit is a matching item: its record as stored, and its JSON form.
type hit struct {
	raw  []byte
	item map[string]any
}

// Search answers q over dataset ds. It narrows the candidates with the
// indexes when a condition allows (see Explain), checks each candidate
// against the whole query, then sorts and pages the matches. The first
// search of a store whose index is missing or old rebuilds the index.
// Search reads one consistent snapshot of the catalog.
func (c *Catalog) Search(ds string, q *query.Query, opt SearchOptions) (*Result, error) {
	if err := c.ensureIndex(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	var hits []hit
	var ex Explain
	err := c.view(func(txn *badger.Txn) error {
		var err error
		hits, ex, err = searchTxn(txn, ds, q, opt.FullScan)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	ex.Matches = len(hits)

	sort.SliceStable(hits, func(i, j int) bool { return q.Less(hits[i].item, hits[j].item) })
	from, to := 0, len(hits)
	if !opt.AllPages || q.Page != 0 || q.PageSize != query.DefaultPageSize {
		from, to = q.Window(len(hits))
	}
	res := &Result{Explain: ex, Records: make([]*Record, 0, to-from)}
	for _, h := range hits[from:to] {
		rec, err := decodeRecord(h.raw)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		res.Records = append(res.Records, rec)
	}
	return res, nil
}

// searchTxn returns the unsorted matches of q in ds.
func searchTxn(txn *badger.Txn, ds string, q *query.Query, fullScan bool) ([]hit, Explain, error) {
	var plan *access
	if !fullScan {
		plan = planQuery(q)
	}
	if plan == nil {
		return scanItems(txn, ds, q)
	}
	ids, desc, ok := plan.collect(txn, ds, math.MaxInt)
	if !ok {
		return scanItems(txn, ds, q)
	}
	ex := Explain{Index: desc, Candidates: len(ids)}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)
	var hits []hit
	for _, id := range sorted {
		raw, err := txnGet(txn, itemKey(ds, id))
		if errors.Is(err, ErrNotFound) {
			continue // an entry the index should not have; the check is exact
		}
		if err != nil {
			return nil, ex, err
		}
		h, ok, err := matchStored(txn, ds, id, raw, q)
		if err != nil {
			return nil, ex, err
		}
		if ok {
			hits = append(hits, h)
		}
	}
	return hits, ex, nil
}

// scanItems checks every item of ds against q.
func scanItems(txn *badger.Txn, ds string, q *query.Query) ([]hit, Explain, error) {
	var ex Explain
	var hits []hit
	opt := badger.DefaultIteratorOptions
	opt.Prefix = itemPrefix(ds)
	it := txn.NewIterator(opt)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		ex.Candidates++
		raw, err := it.Item().ValueCopy(nil)
		if err != nil {
			return nil, ex, err
		}
		id := string(it.Item().Key()[len(opt.Prefix):])
		h, ok, err := matchStored(txn, ds, id, raw, q)
		if err != nil {
			return nil, ex, err
		}
		if ok {
			hits = append(hits, h)
		}
	}
	return hits, ex, nil
}

// matchStored checks the stored record raw of item id against q, reading
// its annotations only when the item's own conditions hold and the query
// has a join.
func matchStored(txn *badger.Txn, ds, id string, raw []byte, q *query.Query) (hit, bool, error) {
	rec, err := DecodeObject(raw)
	if err != nil {
		return hit{}, false, fmt.Errorf("item %s: record: %w", id, err)
	}
	item, _ := rec["item"].(map[string]any)
	if item == nil || !q.MatchItem(item) {
		return hit{}, false, nil
	}
	if q.Join != nil {
		anns, err := txnAnnotationMaps(txn, ds, id)
		if err != nil {
			return hit{}, false, fmt.Errorf("item %s: %w", id, err)
		}
		if !q.MatchAnnotations(anns) {
			return hit{}, false, nil
		}
	}
	return hit{raw: raw, item: item}, true, nil
}

// txnAnnotationMaps returns the annotations of item id as generic JSON.
func txnAnnotationMaps(txn *badger.Txn, ds, id string) ([]map[string]any, error) {
	data, err := txnGet(txn, annKey(ds, id))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	anns, err := DecodeAnnotations(data)
	if err != nil {
		return nil, fmt.Errorf("annotations: %w", err)
	}
	out := make([]map[string]any, len(anns))
	for i, a := range anns {
		out[i] = a
	}
	return out, nil
}
