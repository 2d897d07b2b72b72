package query

import (
	"strconv"
	"strings"
)

// String returns the query in canonical short form, which ParseShort reads
// back to an equivalent query: the item conditions, then the annotation
// conditions, then "sort", "page" and "pagesize" when not the defaults.
func (q *Query) String() string {
	var b strings.Builder
	conds := conjuncts(q.Filter)
	for i, n := range conds {
		if i > 0 {
			b.WriteString(" and ")
		}
		writeNode(&b, n, false, true)
	}
	if q.Join != nil {
		for i, n := range conjuncts(q.Join) {
			if i > 0 || len(conds) > 0 {
				b.WriteString(" and ")
			}
			writeNode(&b, n, true, true)
		}
	}
	for i, k := range q.Sort {
		if i == 0 {
			b.WriteString(" sort ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(shortName(k.Field, false))
		if k.Desc {
			b.WriteString(" desc")
		}
	}
	if q.Page != 0 {
		b.WriteString(" page " + strconv.Itoa(q.Page))
	}
	if q.PageSize != DefaultPageSize && q.PageSize != 0 {
		b.WriteString(" pagesize " + strconv.Itoa(q.PageSize))
	}
	return strings.TrimPrefix(b.String(), " ")
}

// conjuncts returns the nodes of a top-level And, or n alone. An empty
// And stays whole: it is written as "annotation exists".
func conjuncts(n Node) []Node {
	if n == nil {
		return nil
	}
	if a, ok := n.(*And); ok && len(a.Nodes) > 0 {
		return a.Nodes
	}
	return []Node{n}
}

// writeNode writes n in short form; ann tells field names are annotation
// paths, and inAnd that n is an operand of "and" (an Or needs parentheses).
func writeNode(b *strings.Builder, n Node, ann, inAnd bool) {
	switch n := n.(type) {
	case *And:
		if len(n.Nodes) == 0 {
			b.WriteString(annotationWord + " exists")
			return
		}
		writeList(b, n.Nodes, " and ", ann, false)
	case *Or:
		writeList(b, n.Nodes, " or ", ann, inAnd)
	case *Not:
		b.WriteString("not ")
		_, isAnd := n.Node.(*And)
		_, isOr := n.Node.(*Or)
		writeParens(b, n.Node, ann, isAnd || isOr)
	case *Compare:
		b.WriteString(shortName(n.Field, ann) + n.Op.String() + n.Value.String())
	case *In:
		b.WriteString(shortName(n.Field, ann) + " in (")
		for i, v := range n.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.String())
		}
		b.WriteString(")")
	case *Exists:
		b.WriteString(shortName(n.Field, ann) + " exists")
	}
}

// writeList writes nodes joined by sep, in parentheses when paren.
func writeList(b *strings.Builder, nodes []Node, sep string, ann, paren bool) {
	if paren {
		b.WriteString("(")
	}
	for i, c := range nodes {
		if i > 0 {
			b.WriteString(sep)
		}
		_, isOr := c.(*Or)
		_, isAnd := c.(*And)
		writeParens(b, c, ann, isOr || isAnd)
	}
	if paren {
		b.WriteString(")")
	}
}

// writeParens writes n, in parentheses when paren.
func writeParens(b *strings.Builder, n Node, ann, paren bool) {
	if paren {
		b.WriteString("(")
	}
	writeNode(b, n, ann, false)
	if paren {
		b.WriteString(")")
	}
}

// String returns the value as the short form writes it: true, false,
// null, a number, a bare word, or a quoted string.
func (v Value) String() string {
	switch v.Kind {
	case Null:
		return "null"
	case Bool:
		return strconv.FormatBool(v.Bool)
	case Number:
		return strconv.FormatFloat(v.Num, 'g', -1, 64)
	}
	if isPlainWord(v.Str) {
		return v.Str
	}
	return strconv.Quote(v.Str)
}
