package query

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseDQL parses a query in Dataloop's DQL JSON form:
//
//	{"resource": "items", "filter": {...},
//	 "join": {"on": {"resource": "annotations", "local": "itemId", "forigen": "id"},
//	          "filter": {...}},
//	 "sort": {"filename": "ascending"}, "page": 0, "pageSize": 1000}
//
// Errors are *Error values naming the JSON path of the problem.
func ParseDQL(data []byte) (*Query, error) {
	doc, err := decodeJSON(data)
	if err != nil {
		return nil, &Error{Msg: "invalid JSON: " + err.Error()}
	}
	if !doc.isObj {
		return nil, pathErrorf("top level", "expected an object, found %s", doc.describe())
	}
	q := &Query{PageSize: DefaultPageSize}
	for _, m := range doc.obj {
		if err := q.setDQLKey(m.key, m.val); err != nil {
			return nil, err
		}
	}
	q.Filter = withDefaults(q.Filter)
	return q, nil
}

// setDQLKey applies one top-level key of a DQL document.
func (q *Query) setDQLKey(key string, val *jsonNode) error {
	var err error
	switch key {
	case "resource":
		if s, ok := val.scalar.(string); !ok || s != "items" {
			return pathErrorf(key, `expected "items", found %s`, val.describe())
		}
	case "filter":
		q.Filter, err = dqlFilter(val, "filter", true)
	case "join":
		q.Join, err = dqlJoin(val)
	case "sort":
		q.Sort, err = dqlSort(val)
	case "page":
		q.Page, err = dqlInt(val, key, 0, math.MaxInt32)
	case "pageSize":
		q.PageSize, err = dqlInt(val, key, 1, MaxPageSize)
	default:
		err = pathErrorf(key, "unknown key; expected resource, filter, join, sort, "+
			"page or pageSize")
	}
	return err
}

// dqlJoin parses the join object; its filter applies to one annotation.
func dqlJoin(val *jsonNode) (Node, error) {
	if !val.isObj {
		return nil, pathErrorf("join", "expected an object, found %s", val.describe())
	}
	var filter Node = &And{}
	for _, m := range val.obj {
		path := "join." + m.key
		switch m.key {
		case "on":
			if err := dqlJoinOn(m.val, path); err != nil {
				return nil, err
			}
		case "filter":
			f, err := dqlFilter(m.val, path, true)
			if err != nil {
				return nil, err
			}
			if f != nil {
				filter = f
			}
		default:
			return nil, pathErrorf(path, "unknown key; expected on or filter")
		}
	}
	return filter, nil
}

// dqlJoinOn checks the join's "on" object: annotations joined by item id.
func dqlJoinOn(val *jsonNode, path string) error {
	if !val.isObj {
		return pathErrorf(path, "expected an object, found %s", val.describe())
	}
	want := map[string]string{"resource": "annotations", "local": "itemId", "forigen": "id"}
	for _, m := range val.obj {
		w, known := want[m.key]
		if !known {
			return pathErrorf(path+"."+m.key, "unknown key; expected resource, local or forigen")
		}
		if s, _ := m.val.scalar.(string); s != w {
			return pathErrorf(path+"."+m.key, "only %q is supported", w)
		}
	}
	return nil
}

// dqlSort parses {"field": "ascending" | "descending", ...}.
func dqlSort(val *jsonNode) ([]SortKey, error) {
	if !val.isObj {
		return nil, pathErrorf("sort", "expected an object, found %s", val.describe())
	}
	var keys []SortKey
	for _, m := range val.obj {
		path := "sort." + m.key
		if m.key == "" {
			return nil, pathErrorf(path, "empty field name")
		}
		dir, _ := m.val.scalar.(string)
		switch strings.ToLower(dir) {
		case "ascending", "asc":
			keys = append(keys, SortKey{Field: m.key})
		case "descending", "desc":
			keys = append(keys, SortKey{Field: m.key, Desc: true})
		default:
			return nil, pathErrorf(path, `expected "ascending" or "descending", found %s`,
				m.val.describe())
		}
	}
	return keys, nil
}

// dqlInt parses an integer in [lo, hi].
func dqlInt(val *jsonNode, path string, lo, hi int) (int, error) {
	num, ok := val.scalar.(json.Number)
	if !ok {
		return 0, pathErrorf(path, "expected a number, found %s", val.describe())
	}
	n, err := strconv.Atoi(num.String())
	if err != nil || n < lo || n > hi {
		return 0, pathErrorf(path, "expected a whole number from %d to %d, found %s", lo, hi, num)
	}
	return n, nil
}

// dqlFilter parses a filter object: each key is a field or $and, $or,
// $not, and all of them must hold. An empty object is allowed only at the
// top of a filter (top), where it means no condition and gives nil.
func dqlFilter(val *jsonNode, path string, top bool) (Node, error) {
	if !val.isObj {
		return nil, pathErrorf(path, "expected an object, found %s", val.describe())
	}
	if len(val.obj) == 0 {
		if top {
			return nil, nil
		}
		return nil, pathErrorf(path, "expected at least one condition, found an empty object")
	}
	var nodes []Node
	for _, m := range val.obj {
		n, err := dqlFilterKey(m.key, m.val, path)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return andOf(nodes...), nil
}

// dqlFilterKey parses one key of a filter object.
func dqlFilterKey(key string, val *jsonNode, parent string) (Node, error) {
	path := parent + "." + key
	switch key {
	case "$and", "$or":
		if !val.isArr || len(val.arr) == 0 {
			return nil, pathErrorf(path, "expected a non-empty array of conditions, found %s",
				val.describe())
		}
		var nodes []Node
		for i, el := range val.arr {
			n, err := dqlFilter(el, fmt.Sprintf("%s[%d]", path, i), false)
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		}
		if key == "$and" {
			return andOf(nodes...), nil
		}
		return orOf(nodes...), nil
	case "$not":
		n, err := dqlFilter(val, path, false)
		if err != nil {
			return nil, err
		}
		return &Not{Node: n}, nil
	}
	if strings.HasPrefix(key, "$") {
		return nil, pathErrorf(path, "unknown operator %q; expected a field, $and, $or or $not",
			key)
	}
	if key == "" {
		return nil, pathErrorf(path, "empty field name")
	}
	return dqlField(key, val, path)
}

// dqlField parses the condition on one field: a bare value (equality) or
// an object of operators, all of which must hold.
func dqlField(field string, val *jsonNode, path string) (Node, error) {
	if !val.isObj {
		v, err := dqlValue(val, path)
		if err != nil {
			return nil, err
		}
		return &Compare{Field: field, Op: Eq, Value: v}, nil
	}
	if len(val.obj) == 0 {
		return nil, pathErrorf(path, "expected a value or operators, found an empty object")
	}
	var nodes []Node
	for _, m := range val.obj {
		n, err := dqlOperator(field, m.key, m.val, path+"."+m.key)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return andOf(nodes...), nil
}

// dqlOps maps DQL comparison operators to Op.
var dqlOps = map[string]Op{"$eq": Eq, "$ne": Ne, "$gt": Gt, "$gte": Gte, "$lt": Lt, "$lte": Lte}

// dqlOperator parses one operator applied to field.
func dqlOperator(field, op string, val *jsonNode, path string) (Node, error) {
	if o, ok := dqlOps[op]; ok {
		v, err := dqlValue(val, path)
		if err != nil {
			return nil, err
		}
		return &Compare{Field: field, Op: o, Value: v}, nil
	}
	switch op {
	case "$in", "$nin":
		if !val.isArr {
			return nil, pathErrorf(path, "expected an array, found %s", val.describe())
		}
		in := &In{Field: field, Values: []Value{}}
		for i, el := range val.arr {
			v, err := dqlValue(el, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			in.Values = append(in.Values, v)
		}
		if op == "$nin" {
			return &Not{Node: in}, nil
		}
		return in, nil
	case "$exists":
		b, ok := val.scalar.(bool)
		if !ok {
			return nil, pathErrorf(path, "expected true or false, found %s", val.describe())
		}
		if !b {
			return &Not{Node: &Exists{Field: field}}, nil
		}
		return &Exists{Field: field}, nil
	case "$not":
		if !val.isObj {
			return nil, pathErrorf(path, "expected an object of operators, found %s",
				val.describe())
		}
		n, err := dqlField(field, val, path)
		if err != nil {
			return nil, err
		}
		return &Not{Node: n}, nil
	}
	return nil, pathErrorf(path, "unknown operator %q; expected one of "+
		"$eq $ne $gt $gte $lt $lte $in $nin $exists $not", op)
}

// dqlValue parses a constant: a string, number, boolean or null.
func dqlValue(val *jsonNode, path string) (Value, error) {
	if val.isObj || val.isArr {
		return Value{}, pathErrorf(path, "expected a string, number, boolean or null, found %s",
			val.describe())
	}
	switch s := val.scalar.(type) {
	case string:
		return StringValue(s), nil
	case json.Number:
		f, err := strconv.ParseFloat(s.String(), 64)
		if err != nil {
			return Value{}, pathErrorf(path, "number %s is out of range", s)
		}
		return NumberValue(f), nil
	case bool:
		return BoolValue(s), nil
	}
	return NullValue(), nil
}
