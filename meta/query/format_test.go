package query

import (
	"reflect"
	"testing"
)

func TestTreeForPlanner(t *testing.T) {
	q, err := ParseDQL([]byte(`{"filter":{"dir":"/train","metadata.system.size":{"$lt":5}},
		"join":{"filter":{"$and":[{"type":{"$in":["box"]}},{"label":{"$nin":["car"]}}]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	wantFilter := &And{Nodes: []Node{
		&Compare{Field: "hidden", Op: Eq, Value: BoolValue(false)},
		&Compare{Field: "type", Op: Eq, Value: StringValue("file")},
		&Compare{Field: "dir", Op: Eq, Value: StringValue("/train")},
		&Compare{Field: "metadata.system.size", Op: Lt, Value: NumberValue(5)},
	}}
	wantJoin := &And{Nodes: []Node{
		&In{Field: "type", Values: []Value{StringValue("box")}},
		&Not{Node: &In{Field: "label", Values: []Value{StringValue("car")}}},
	}}
	if !reflect.DeepEqual(q.Filter, wantFilter) {
		t.Errorf("Filter = %#v", q.Filter)
	}
	if !reflect.DeepEqual(q.Join, wantJoin) {
		t.Errorf("Join = %#v", q.Join)
	}
	short, err := ParseShort(`dir=/train and size<5 and annotation.type in (box) and ` +
		`not label in (car)`)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(short, q) {
		t.Errorf("short form gives %s, DQL gives %s", short, q)
	}
}

func TestCanonicalString(t *testing.T) {
	cases := []struct{ in, want string }{
		{`label=person and metadata.system.width>=600`,
			`hidden=false and type=file and width>=600 and label=person`},
		{`{"filter":{"$or":[{"dir":"/a b"},{"metadata.system.size":{"$gt":1,"$lt":5e5}}]},` +
			`"sort":{"filename":"descending"},"page":2,"pageSize":10}`,
			`hidden=false and type=file and (dir="/a b" or (size>1 and size<500000)) ` +
				`sort filename desc page 2 pagesize 10`},
		{`{"filter":{"width":"600","label":"true","hidden":null,"type":{"$exists":true}}}`,
			`item.width="600" and item.label="true" and hidden=null and type exists`},
		{`{"join":{}}`, `hidden=false and type=file and annotation exists`},
		{`NOT (label = cat OR label = "dog") AND "odd field" != x SORT size DESC`,
			`hidden=false and type=file and "odd field"!=x and not (label=cat or label=dog) ` +
				`sort size desc`},
		{`{"filter":{"$not":{"a":{"$exists":false}}}}`,
			`hidden=false and type=file and not not a exists`},
	}
	for _, c := range cases {
		q, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got := q.String(); got != c.want {
			t.Errorf("Parse(%q).String():\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

// TestRoundTrip checks that String of every table query parses back to
// the same tree and the same canonical text.
func TestRoundTrip(t *testing.T) {
	for _, c := range append(append([]searchCase{}, fixtureCases...), userCases...) {
		for _, src := range []string{c.short, c.dql} {
			q, err := Parse(src)
			if err != nil {
				t.Fatalf("Parse(%q): %v", src, err)
			}
			checkRoundTrip(t, src, q)
		}
	}
}

// checkRoundTrip fails unless q.String() parses to a query equal to q.
func checkRoundTrip(t testing.TB, src string, q *Query) {
	t.Helper()
	s := q.String()
	q2, err := ParseShort(s)
	if err != nil {
		t.Fatalf("%q: String() = %q does not parse: %v", src, s, err)
	}
	if s2 := q2.String(); s2 != s {
		t.Fatalf("%q: String() = %q reparses as %q", src, s, s2)
	}
	if !reflect.DeepEqual(q, q2) {
		t.Fatalf("%q: String() = %q reparses to another tree", src, s)
	}
}

func TestPattern(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"/a/*", "/a/x.jpg", true},
		{"/a/*", "/a/b/x.jpg", false},
		{"/a/**", "/a/b/x.jpg", true},
		{"/a/**", "/a", false},
		{"/**/x.jpg", "/a/b/x.jpg", true},
		{"/**/x.jpg", "/x.jpg", false},
		{"/*/*.jpg", "/a/x.jpg", true},
		{"image*", "image/jpeg", true},
		{"*", "a/b", true},
		{"*/png", "image/png", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"**", "", true},
	}
	for _, c := range cases {
		if got := compilePattern(c.pat).match(c.s); got != c.want {
			t.Errorf("%q matches %q: got %v, want %v", c.pat, c.s, got, c.want)
		}
	}
	v := StringValue("/train/*.jpg")
	if !v.IsPattern() || v.Prefix() != "/train/" || StringValue("x").IsPattern() {
		t.Errorf("IsPattern/Prefix wrong for %q", v.Str)
	}
}
