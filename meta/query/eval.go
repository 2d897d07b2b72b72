package query

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Eval reports whether doc satisfies n; a nil node holds for every
// document. doc is an item for Query.Filter and one annotation for
// Query.Join, with numbers as json.Number or float64.
func Eval(n Node, doc map[string]any) bool {
	if n == nil {
		return true
	}
	return n.match(doc)
}

func (n *And) match(doc map[string]any) bool {
	for _, c := range n.Nodes {
		if !c.match(doc) {
			return false
		}
	}
	return true
}

func (n *Or) match(doc map[string]any) bool {
	for _, c := range n.Nodes {
		if c.match(doc) {
			return true
		}
	}
	return false
}

func (n *Not) match(doc map[string]any) bool { return !n.Node.match(doc) }

func (n *Exists) match(doc map[string]any) bool { return len(lookup(doc, n.Field)) > 0 }

func (n *In) match(doc map[string]any) bool {
	for _, v := range n.Values {
		if equalAny(lookup(doc, n.Field), v) {
			return true
		}
	}
	return false
}

func (n *Compare) match(doc map[string]any) bool {
	found := lookup(doc, n.Field)
	switch n.Op {
	case Eq:
		return equalAny(found, n.Value)
	case Ne:
		return !equalAny(found, n.Value)
	}
	for _, x := range elements(found) {
		c, ok := compareTo(x, n.Value)
		if !ok {
			continue
		}
		switch {
		case n.Op == Gt && c > 0, n.Op == Gte && c >= 0,
			n.Op == Lt && c < 0, n.Op == Lte && c <= 0:
			return true
		}
	}
	return false
}

// lookup returns the values at a dotted path. Arrays met on the way are
// walked into, element by element, so "annotations.label" finds the label
// of every annotation; a numeric path element also indexes an array.
func lookup(doc map[string]any, path string) []any {
	if v, ok, simple := lookupMaps(doc, path); simple {
		if !ok {
			return nil
		}
		return []any{v}
	}
	found := []any{doc}
	for _, key := range strings.Split(path, ".") {
		var next []any
		for _, v := range found {
			next = appendChild(next, v, key)
		}
		if len(next) == 0 {
			return nil
		}
		found = next
	}
	return found
}

// lookupMaps walks path through nested objects only, the common case,
// without allocating; simple is false when it meets an array on the way.
func lookupMaps(doc map[string]any, path string) (v any, ok, simple bool) {
	cur := doc
	for {
		key, rest, more := strings.Cut(path, ".")
		v, ok = cur[key]
		if !ok || !more {
			return v, ok, true
		}
		switch next := v.(type) {
		case map[string]any:
			cur, path = next, rest
		case []any:
			return nil, false, false
		default:
			return nil, false, true
		}
	}
}

// appendChild appends the child key of v to out.
func appendChild(out []any, v any, key string) []any {
	switch v := v.(type) {
	case map[string]any:
		if c, ok := v[key]; ok {
			out = append(out, c)
		}
	case []any:
		if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(v) {
			return append(out, v[i])
		}
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				if c, ok := m[key]; ok {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// elements returns the found values with arrays replaced by their elements.
func elements(found []any) []any {
	var out []any
	for _, x := range found {
		if arr, ok := x.([]any); ok {
			out = append(out, arr...)
			continue
		}
		out = append(out, x)
	}
	return out
}

// equalAny reports whether any found value (or array element) equals v. A
// null v also matches a missing field, as in Dataloop's (Mongo's) queries.
func equalAny(found []any, v Value) bool {
	if v.Kind == Null && len(found) == 0 {
		return true
	}
	for _, x := range elements(found) {
		if equal(x, v) {
			return true
		}
	}
	return false
}

// equal reports whether the JSON value x equals v: numbers numerically,
// strings literally or by pattern, booleans only with booleans.
func equal(x any, v Value) bool {
	switch v.Kind {
	case Null:
		return x == nil
	case Bool:
		b, ok := x.(bool)
		return ok && b == v.Bool
	case Number:
		f, ok := number(x)
		return ok && f == v.Num
	}
	s, ok := x.(string)
	if !ok {
		return false
	}
	if v.pat != nil {
		return v.pat.match(s)
	}
	return s == v.Str
}

// compareTo orders x against v when both are numbers or both strings.
func compareTo(x any, v Value) (int, bool) {
	switch v.Kind {
	case Number:
		f, ok := number(x)
		if !ok {
			return 0, false
		}
		return cmpFloat(f, v.Num), true
	case String:
		s, ok := x.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(s, v.Str), true
	}
	return 0, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// number returns x as a float64 when it is a JSON number in any of the
// forms callers hand in.
func number(x any) (float64, bool) {
	switch x := x.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}
