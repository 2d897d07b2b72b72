package query

import "strconv"

// Node is one condition of a query. The concrete types are And, Or, Not,
// Compare, In and Exists; the set is closed, so a planner can type-switch
// over it. Field names in a node are dotted paths into the document the node
// is evaluated on: the item for Query.Filter, one annotation for Query.Join.
type Node interface {
	// match reports whether the document satisfies the condition.
	match(doc map[string]any) bool
}

// And holds when every one of Nodes holds. An And with no nodes holds
// always; the parsers make one only for a join without conditions ("the
// item has at least one annotation").
type And struct {
	Nodes []Node
}

// Or holds when at least one of Nodes holds.
type Or struct {
	Nodes []Node
}

// Not holds when Node does not.
type Not struct {
	Node Node
}

// Compare compares the value at Field with Value. When the field holds an
// array, the condition holds if it holds for any element. A string Value
// holding '*' is a wildcard pattern for Eq and Ne (see Value.IsPattern).
type Compare struct {
	Field string
	Op    Op
	Value Value
}

// In holds when the value at Field equals any of Values (patterns allowed).
// Dataloop's $nin is Not{In}.
type In struct {
	Field  string
	Values []Value
}

// Exists holds when Field is present, even with a null value. Dataloop's
// "$exists": false is Not{Exists}.
type Exists struct {
	Field string
}

// Op is a comparison operator.
type Op int

// The comparison operators.
const (
	Eq Op = iota
	Ne
	Gt
	Gte
	Lt
	Lte
)

// opSymbols are the short-form spellings, indexed by Op.
var opSymbols = [...]string{Eq: "=", Ne: "!=", Gt: ">", Gte: ">=", Lt: "<", Lte: "<="}

// String returns the operator as the short form writes it, such as ">=".
func (o Op) String() string {
	if o < 0 || int(o) >= len(opSymbols) {
		return "op(" + strconv.Itoa(int(o)) + ")"
	}
	return opSymbols[o]
}

// Kind is the JSON type of a Value.
type Kind int

// The kinds of values a query compares with.
const (
	Null Kind = iota
	String
	Number
	Bool
)

// Value is a constant of a query: a string, a number, a boolean or null.
type Value struct {
	Kind Kind
	Str  string  // when Kind is String
	Num  float64 // when Kind is Number
	Bool bool    // when Kind is Bool

	pat *pattern // compiled wildcard pattern, when Str holds '*'
}

// NullValue returns the null value.
func NullValue() Value { return Value{Kind: Null} }

// BoolValue returns a boolean value.
func BoolValue(b bool) Value { return Value{Kind: Bool, Bool: b} }

// NumberValue returns a numeric value.
func NumberValue(f float64) Value { return Value{Kind: Number, Num: f} }

// StringValue returns a string value, compiling its wildcard pattern when
// it holds '*'.
func StringValue(s string) Value {
	return Value{Kind: String, Str: s, pat: compilePattern(s)}
}

// IsPattern reports whether the value is a string holding a wildcard, which
// Eq, Ne and In match as a pattern rather than literally. A planner can use
// Prefix to narrow an index scan for such values.
func (v Value) IsPattern() bool { return v.pat != nil }

// Prefix returns the literal text before the first wildcard of a pattern,
// or the whole string for a plain string value.
func (v Value) Prefix() string {
	if v.pat == nil {
		return v.Str
	}
	return v.pat.prefix
}

// SortKey orders results by the item field Field, descending when Desc.
type SortKey struct {
	Field string
	Desc  bool
}

// andOf returns the conjunction of nodes, flattening nested And nodes and
// dropping empty ones; a single node is returned as it is.
func andOf(nodes ...Node) Node {
	var flat []Node
	for _, n := range nodes {
		if a, ok := n.(*And); ok {
			flat = append(flat, a.Nodes...)
			continue
		}
		flat = append(flat, n)
	}
	if len(flat) == 1 {
		return flat[0]
	}
	return &And{Nodes: flat}
}

// orOf returns the disjunction of nodes, flattening nested Or nodes; a
// single node is returned as it is.
func orOf(nodes ...Node) Node {
	var flat []Node
	for _, n := range nodes {
		if o, ok := n.(*Or); ok {
			flat = append(flat, o.Nodes...)
			continue
		}
		flat = append(flat, n)
	}
	if len(flat) == 1 {
		return flat[0]
	}
	return &Or{Nodes: flat}
}

// mentions reports whether any condition under n names field.
func mentions(n Node, field string) bool {
	switch n := n.(type) {
	case *And:
		for _, c := range n.Nodes {
			if mentions(c, field) {
				return true
			}
		}
	case *Or:
		for _, c := range n.Nodes {
			if mentions(c, field) {
				return true
			}
		}
	case *Not:
		return mentions(n.Node, field)
	case *Compare:
		return n.Field == field
	case *In:
		return n.Field == field
	case *Exists:
		return n.Field == field
	}
	return false
}
