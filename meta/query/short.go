package query

import (
	"math"
	"strconv"
	"strings"
)

// ParseShort parses a query in the short form described in the package
// documentation, such as `label=person and width>=600 sort size desc`.
// Errors are *Error values giving the byte position and what was expected.
func ParseShort(s string) (*Query, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &shortParser{toks: toks}
	q := &Query{PageSize: DefaultPageSize}
	var conds part
	if p.peek().kind != tokEOF && !p.atClause() {
		if conds, err = p.expr(0); err != nil {
			return nil, err
		}
	}
	if err := p.clauses(q); err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, posErrorf(t.off, `expected "and", "or", "sort", "page" or end of query, `+
			"found %s", t.describe())
	}
	var filter Node
	if len(conds.item) > 0 {
		filter = andOf(conds.item...)
	}
	q.Filter = withDefaults(filter)
	if len(conds.ann) > 0 {
		q.Join = andOf(conds.ann...)
	}
	return q, nil
}

// part is a parsed piece of a short-form query as two conjunctions: the
// conditions on the item and those on one annotation.
type part struct {
	item, ann []Node
}

// maxShortDepth bounds the nesting of parentheses and "not".
const maxShortDepth = 200

// shortParser is a recursive-descent parser over the tokens of one query.
type shortParser struct {
	toks []token
	i    int
}

func (p *shortParser) peek() token { return p.toks[p.i] }

func (p *shortParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// isWord reports whether t is the bare keyword w, in any letter case.
func isWord(t token, w string) bool {
	return t.kind == tokWord && strings.EqualFold(t.text, w)
}

// atClause reports whether a sort or page clause starts here: the keyword
// followed by a word that is not "in" or "exists" (else it is a field).
func (p *shortParser) atClause() bool {
	t := p.peek()
	if !isWord(t, "sort") && !isWord(t, "page") && !isWord(t, "pagesize") {
		return false
	}
	n := p.toks[p.i+1]
	return (n.kind == tokWord || n.kind == tokString) && !isWord(n, "in") && !isWord(n, "exists")
}

// expr parses: and-expression { "or" and-expression }.
func (p *shortParser) expr(depth int) (part, error) {
	first, err := p.andExpr(depth)
	if err != nil || !isWord(p.peek(), "or") {
		return first, err
	}
	orTok := p.peek()
	node, ann, ok := first.pure()
	if !ok {
		return part{}, mixError(orTok, "or")
	}
	nodes := []Node{node}
	for isWord(p.peek(), "or") {
		orTok = p.next()
		alt, err := p.andExpr(depth)
		if err != nil {
			return part{}, err
		}
		n, altAnn, ok := alt.pure()
		if !ok || altAnn != ann {
			return part{}, mixError(orTok, "or")
		}
		nodes = append(nodes, n)
	}
	return sided(orOf(nodes...), ann), nil
}

// andExpr parses: unary { "and" unary }.
func (p *shortParser) andExpr(depth int) (part, error) {
	var all part
	for {
		u, err := p.unary(depth)
		if err != nil {
			return part{}, err
		}
		all.item = append(all.item, u.item...)
		all.ann = append(all.ann, u.ann...)
		if !isWord(p.peek(), "and") {
			return all, nil
		}
		p.next()
	}
}

// unary parses: "not" unary | "(" expr ")" | condition.
func (p *shortParser) unary(depth int) (part, error) {
	t := p.peek()
	if depth > maxShortDepth {
		return part{}, posErrorf(t.off, "expected at most %d nested levels", maxShortDepth)
	}
	switch {
	case isWord(t, "not"):
		p.next()
		inner, err := p.unary(depth + 1)
		if err != nil {
			return part{}, err
		}
		node, ann, ok := inner.pure()
		if !ok {
			return part{}, mixError(t, "not")
		}
		return sided(&Not{Node: node}, ann), nil
	case t.kind == tokLParen:
		p.next()
		inner, err := p.expr(depth + 1)
		if err != nil {
			return part{}, err
		}
		if c := p.next(); c.kind != tokRParen {
			return part{}, posErrorf(c.off, `expected ")" to close "(" at position %d, found %s`,
				t.off+1, c.describe())
		}
		return inner, nil
	}
	return p.condition()
}

// pure returns the conjunction of a part whose conditions are all on one
// side, and whether that side is the annotation; ok is false when mixed.
func (pt part) pure() (n Node, ann, ok bool) {
	switch {
	case len(pt.item) > 0 && len(pt.ann) > 0:
		return nil, false, false
	case len(pt.ann) > 0:
		return andOf(pt.ann...), true, true
	}
	return andOf(pt.item...), false, true
}

// sided returns a part holding one node on the given side.
func sided(n Node, ann bool) part {
	if ann {
		return part{ann: []Node{n}}
	}
	return part{item: []Node{n}}
}

// mixError reports item and annotation conditions combined under op.
func mixError(t token, op string) error {
	return posErrorf(t.off, "expected conditions all on the item or all on annotations "+
		"under %q (label and annotation.* are on annotations; only \"and\" joins the two)", op)
}

// condition parses: field ( op value | "in" "(" values ")" | "exists" ).
func (p *shortParser) condition() (part, error) {
	ft := p.next()
	if (ft.kind != tokWord && ft.kind != tokString) || (ft.kind == tokWord && isKeyword(ft.text)) {
		return part{}, posErrorf(ft.off, `expected a field name, "not" or "(", found %s`,
			ft.describe())
	}
	f, err := resolveField(ft)
	if err != nil {
		return part{}, err
	}
	t := p.next()
	switch {
	case t.kind == tokOp:
		v, err := p.value(t)
		if err != nil {
			return part{}, err
		}
		return f.wrap(&Compare{Field: f.path, Op: opOf(t.text), Value: v})
	case isWord(t, "in"):
		vals, err := p.valueList(t)
		if err != nil {
			return part{}, err
		}
		return f.wrap(&In{Field: f.path, Values: vals})
	case isWord(t, "exists"):
		if f.whole {
			return part{ann: []Node{&And{}}}, nil
		}
		return f.wrap(&Exists{Field: f.path})
	}
	return part{}, posErrorf(t.off, "expected an operator (= != > >= < <=), \"in\" or "+
		"\"exists\" after %s, found %s", ft.describe(), t.describe())
}

// opOf returns the Op spelled s by the lexer.
func opOf(s string) Op {
	for o, sym := range opSymbols {
		if sym == s {
			return Op(o)
		}
	}
	return Eq
}

// value parses the value after the token after.
func (p *shortParser) value(after token) (Value, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return StringValue(t.text), nil
	case tokWord:
		if v, ok, err := wordValue(t); ok || err != nil {
			return v, err
		}
	}
	return Value{}, posErrorf(t.off, "expected a value after %s, found %s",
		after.describe(), t.describe())
}

// wordValue interprets a bare word as a value; ok is false for keywords
// that cannot be values.
func wordValue(t token) (v Value, ok bool, err error) {
	switch strings.ToLower(t.text) {
	case "true":
		return BoolValue(true), true, nil
	case "false":
		return BoolValue(false), true, nil
	case "null":
		return NullValue(), true, nil
	}
	if isKeyword(t.text) {
		return Value{}, false, nil
	}
	if numberWord.MatchString(t.text) {
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil || math.IsInf(f, 0) {
			return Value{}, false, posErrorf(t.off, "expected a number in float64 range, "+
				"found %s", t.describe())
		}
		return NumberValue(f), true, nil
	}
	return StringValue(t.text), true, nil
}

// valueList parses: "(" [ value { "," value } ] ")" after "in".
func (p *shortParser) valueList(in token) ([]Value, error) {
	if t := p.next(); t.kind != tokLParen {
		return nil, posErrorf(t.off, `expected "(" after "in", found %s`, t.describe())
	}
	vals := []Value{}
	if p.peek().kind == tokRParen {
		p.next()
		return vals, nil
	}
	after := in
	for {
		v, err := p.value(after)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		t := p.next()
		switch t.kind {
		case tokRParen:
			return vals, nil
		case tokComma:
			after = t
			continue
		}
		return nil, posErrorf(t.off, `expected "," or ")" in the list, found %s`, t.describe())
	}
}
