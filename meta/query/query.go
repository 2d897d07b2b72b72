package query

import (
	"cmp"
	"strings"
)

// Page size limits, as Dataloop applies them.
const (
	DefaultPageSize = 1000
	MaxPageSize     = 1000
)

// Query is a parsed search over the items of a dataset.
//
// Filter applies to the item itself and Join to its annotations: an item
// matches when it satisfies Filter and, if Join is not nil, has at least one
// annotation satisfying Join. Both parsers add hidden=false and type=file to
// Filter unless the query names those fields, so Filter is never nil after
// parsing. A Query is not changed by its methods and may be shared.
type Query struct {
	Filter   Node      // conditions on the item
	Join     Node      // conditions on one annotation; nil when none
	Sort     []SortKey // sort order; filename ascending breaks ties
	Page     int       // page number, from 0
	PageSize int       // items per page, 1 to MaxPageSize
}

// Parse parses a DQL JSON query when s starts with '{' (after blanks), and
// a short-form query otherwise.
func Parse(s string) (*Query, error) {
	if strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), "{") {
		return ParseDQL([]byte(s))
	}
	return ParseShort(s)
}

// MatchItem reports whether the item satisfies Filter. The item is in the
// form of meta.Item.Map: generic JSON values with json.Number numbers.
func (q *Query) MatchItem(item map[string]any) bool {
	return Eval(q.Filter, item)
}

// MatchAnnotations reports whether at least one annotation satisfies Join;
// it is true when Join is nil.
func (q *Query) MatchAnnotations(anns []map[string]any) bool {
	if q.Join == nil {
		return true
	}
	for _, a := range anns {
		if q.Join.match(a) {
			return true
		}
	}
	return false
}

// Match reports whether an item with these annotations is in the answer.
func (q *Query) Match(item map[string]any, anns []map[string]any) bool {
	return q.MatchItem(item) && q.MatchAnnotations(anns)
}

// Less reports whether item a comes before item b in the answer: by the
// Sort keys, then by filename. Values of one key order as missing or null,
// then numbers, then strings, then booleans (false first), then anything
// else; an array field sorts by its first element.
func (q *Query) Less(a, b map[string]any) bool {
	for _, k := range q.Sort {
		c := compareSortValues(sortValue(a, k.Field), sortValue(b, k.Field))
		if c != 0 {
			return (c < 0) != k.Desc
		}
	}
	fa, _ := a["filename"].(string)
	fb, _ := b["filename"].(string)
	return fa < fb
}

// Window returns the bounds [from, to) of the query's page within n
// matching items, for slicing a sorted answer.
func (q *Query) Window(n int) (from, to int) {
	size := q.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	from = min(q.Page*size, n)
	return from, min(from+size, n)
}

// sortValue returns the first value at field, or nil.
func sortValue(doc map[string]any, field string) any {
	found := elements(lookup(doc, field))
	if len(found) == 0 {
		return nil
	}
	return found[0]
}

// sortRank places a JSON value's type in the sort order.
func sortRank(x any) int {
	if x == nil {
		return 0
	}
	if _, ok := number(x); ok {
		return 1
	}
	switch x.(type) {
	case string:
		return 2
	case bool:
		return 3
	}
	return 4
}

// compareSortValues orders two JSON values for sorting.
func compareSortValues(x, y any) int {
	rx, ry := sortRank(x), sortRank(y)
	if rx != ry {
		return cmp.Compare(rx, ry)
	}
	switch rx {
	case 1:
		fx, _ := number(x)
		fy, _ := number(y)
		return cmpFloat(fx, fy)
	case 2:
		return strings.Compare(x.(string), y.(string))
	case 3:
		bx, by := x.(bool), y.(bool)
		if bx == by {
			return 0
		}
		if !bx {
			return -1
		}
		return 1
	}
	return 0
}

// withDefaults returns the item filter with hidden=false and type=file
// added in front unless the filter names those fields.
func withDefaults(filter Node) Node {
	var nodes []Node
	if filter == nil || !mentions(filter, "hidden") {
		nodes = append(nodes, &Compare{Field: "hidden", Op: Eq, Value: BoolValue(false)})
	}
	if filter == nil || !mentions(filter, "type") {
		nodes = append(nodes, &Compare{Field: "type", Op: Eq, Value: StringValue("file")})
	}
	if filter != nil {
		nodes = append(nodes, filter)
	}
	return andOf(nodes...)
}
