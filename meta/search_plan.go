package meta

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/dlfs/dlfs/meta/query"
)

// access is a way to find, from the indexes, a superset of the items a
// condition holds for. It is one of: a leaf (the union of key ranges of
// one field), a union of accesses (an Or), or a choice among accesses
// whose sets all hold the answer (an And), of which the smallest is used.
type access struct {
	desc   string     // the condition, for Explain
	ranges []keyRange // leaf
	union  []*access
	choice []*access
}

// keyRange is the entry keys from lo (inclusive) to hi (exclusive), after
// X<ds>k.
type keyRange struct{ lo, hi []byte }

// planQuery returns how to narrow q's answer from the indexes, or nil when
// no index helps and every item must be read.
func planQuery(q *query.Query) *access {
	var parts []*access
	if a := planNode(q.Filter, itemField); a != nil {
		parts = append(parts, a)
	}
	if q.Join != nil {
		if and, ok := q.Join.(*query.And); ok && len(and.Nodes) == 0 {
			parts = append(parts, &access{desc: "annotation exists",
				ranges: []keyRange{fieldRange(annAnyField)}})
		} else if a := planNode(q.Join, annotationIndexField); a != nil {
			parts = append(parts, a)
		}
	}
	return choiceOf(parts)
}

// itemField returns the index field of an item path, or "".
func itemField(field string) string {
	if isIndexedItemField(field) {
		return field
	}
	return ""
}

func choiceOf(parts []*access) *access {
	switch len(parts) {
	case 0:
		return nil
	case 1:
		return parts[0]
	}
	return &access{choice: parts}
}

// planNode returns the access for condition n, or nil when the indexes
// cannot narrow it. indexField maps a field of n to its index field.
func planNode(n query.Node, indexField func(string) string) *access {
	switch n := n.(type) {
	case *query.And:
		var parts []*access
		for _, c := range n.Nodes {
			if a := planNode(c, indexField); a != nil {
				parts = append(parts, a)
			}
		}
		return choiceOf(parts)
	case *query.Or:
		u := &access{}
		for _, c := range n.Nodes {
			a := planNode(c, indexField)
			if a == nil {
				return nil
			}
			u.union = append(u.union, a)
		}
		if len(u.union) == 0 {
			return nil
		}
		return u
	case *query.Compare:
		return planCompare(n, indexField(n.Field))
	case *query.In:
		return planIn(n, indexField(n.Field))
	case *query.Exists:
		if f := indexField(n.Field); f != "" {
			return &access{desc: n.Field + " exists", ranges: []keyRange{fieldRange(f)}}
		}
	}
	return nil // Not, and fields without an index
}

// fieldRange covers every entry of field.
func fieldRange(field string) keyRange {
	p := fieldPrefix(field)
	return keyRange{lo: p, hi: prefixEnd(p)}
}

// planCompare plans one comparison on index field f ("" when none).
func planCompare(n *query.Compare, f string) *access {
	if f == "" {
		return nil
	}
	desc := n.Field + " " + n.Op.String() + " " + n.Value.String()
	switch n.Op {
	case query.Eq:
		r, ok := equalRange(f, n.Value)
		if !ok {
			return nil
		}
		return &access{desc: desc, ranges: []keyRange{r}}
	case query.Ne:
		return nil
	}
	return &access{desc: desc, ranges: orderRange(f, n.Op, n.Value)}
}

// planIn plans an "in" condition as a union of equalities.
func planIn(n *query.In, f string) *access {
	if f == "" {
		return nil
	}
	a := &access{desc: fmt.Sprintf("%s in (%s)", n.Field, valueList(n.Values))}
	for _, v := range n.Values {
		r, ok := equalRange(f, v)
		if !ok {
			return nil
		}
		a.ranges = append(a.ranges, r)
	}
	return a
}

func valueList(vs []query.Value) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = v.String()
	}
	return strings.Join(s, ", ")
}

// equalRange returns the entries equal to v (or matching its pattern). A
// null v also matches items without the field, which have no entry: no
// range then.
func equalRange(f string, v query.Value) (keyRange, bool) {
	p := fieldPrefix(f)
	switch v.Kind {
	case query.Null:
		return keyRange{}, false
	case query.Bool:
		lo := encodeBool(p, v.Bool)
		return keyRange{lo: lo, hi: prefixEnd(lo)}, true
	case query.Number:
		lo := encodeNumber(p, v.Num)
		return keyRange{lo: lo, hi: prefixEnd(lo)}, true
	}
	if v.IsPattern() {
		lo := stringBound(p, v.Prefix())
		return keyRange{lo: lo, hi: prefixEnd(lo)}, true
	}
	if len(v.Str) > maxIndexedString {
		lo := stringBound(p, v.Str)
		return keyRange{lo: lo, hi: prefixEnd(lo)}, true
	}
	lo := encodeString(p, v.Str)
	return keyRange{lo: lo, hi: prefixEnd(lo)}, true
}

// orderRange returns the entries that compare to v as op says: numbers
// with numbers, strings with strings; other kinds never compare, so no
// range. String bounds are widened to whole prefixes, because long
// strings are indexed by their start; the final check is exact.
func orderRange(f string, op query.Op, v query.Value) []keyRange {
	p := fieldPrefix(f)
	var tag byte
	var at []byte // the entries equal to v start with at
	switch v.Kind {
	case query.Number:
		tag, at = tagNumber, encodeNumber(p, v.Num)
	case query.String:
		tag, at = tagString, stringBound(p, v.Str)
	default:
		return nil
	}
	first := append(bytes.Clone(p), tag)
	end := prefixEnd(first)
	switch {
	case (op == query.Gt || op == query.Gte) && tag == tagString:
		return []keyRange{{lo: at, hi: end}}
	case op == query.Gt:
		return []keyRange{{lo: prefixEnd(at), hi: end}}
	case op == query.Gte:
		return []keyRange{{lo: at, hi: end}}
	case op == query.Lt && tag == tagNumber:
		return []keyRange{{lo: first, hi: at}}
	}
	return []keyRange{{lo: first, hi: prefixEnd(at)}} // Lte, or Lt on strings
}

// idSet is a set of item ids.
type idSet map[string]struct{}

// collect returns the ids a gives, or ok false when they are more than
// limit. It also returns the description of the leaves used.
func (a *access) collect(txn *badger.Txn, ds string, limit int) (ids idSet, desc string, ok bool) {
	switch {
	case a.choice != nil:
		return a.collectChoice(txn, ds, limit)
	case a.union != nil:
		ids = idSet{}
		var descs []string
		for _, c := range a.union {
			sub, d, ok := c.collect(txn, ds, limit)
			if !ok {
				return nil, "", false
			}
			for id := range sub {
				ids[id] = struct{}{}
			}
			if len(ids) > limit {
				return nil, "", false
			}
			descs = append(descs, d)
		}
		return ids, "(" + strings.Join(descs, " or ") + ")", true
	}
	ids = idSet{}
	for _, r := range a.ranges {
		if !scanRange(txn, ds, r, ids, limit) {
			return nil, "", false
		}
	}
	return ids, a.desc, true
}

// collectChoice tries every part with a growing limit, and keeps the
// smallest set, so that a part matching most items is not read whole when
// another matches few.
func (a *access) collectChoice(txn *badger.Txn, ds string, limit int) (idSet, string, bool) {
	for step := 1024; ; step *= 8 {
		step = min(step, limit)
		var best idSet
		var bestDesc string
		for _, c := range a.choice {
			lim := step
			if best != nil {
				lim = len(best) - 1
			}
			if ids, d, ok := c.collect(txn, ds, lim); ok {
				best, bestDesc = ids, d
			}
		}
		if best != nil || step >= limit {
			return best, bestDesc, best != nil
		}
	}
}

// scanRange adds the ids of the entries in r to ids, and reports false
// when they grow past limit.
func scanRange(txn *badger.Txn, ds string, r keyRange, ids idSet, limit int) bool {
	if r.lo == nil {
		return true
	}
	base := entryPrefix(ds)
	opt := badger.DefaultIteratorOptions
	opt.PrefetchValues = false
	opt.Prefix = append(bytes.Clone(base), commonPrefix(r.lo, r.hi)...)
	it := txn.NewIterator(opt)
	defer it.Close()
	lo := append(bytes.Clone(base), r.lo...)
	var hi []byte
	if r.hi != nil {
		hi = append(bytes.Clone(base), r.hi...)
	}
	for it.Seek(lo); it.Valid(); it.Next() {
		k := it.Item().Key()
		if hi != nil && bytes.Compare(k, hi) >= 0 {
			break
		}
		if len(k) < len(base)+idLen {
			continue
		}
		ids[string(k[len(k)-idLen:])] = struct{}{}
		if len(ids) > limit {
			return false
		}
	}
	return true
}

// commonPrefix returns the bytes a and b start with.
func commonPrefix(a, b []byte) []byte {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:n]
}
