package query

import (
	"errors"
	"strings"
	"testing"
)

func TestShortErrors(t *testing.T) {
	cases := []struct {
		query string
		pos   int
		want  string
	}{
		{`label=person and width>=`, 25, `expected a value after ">=", found end of query`},
		{`width>=600 and`, 15, `expected a field name, "not" or "(", found end of query`},
		{`(label=cat`, 11, `expected ")" to close "(" at position 1, found end of query`},
		{`width 600`, 7, `expected an operator (= != > >= < <=), "in" or "exists" after ` +
			`"width", found "600"`},
		{`a="open`, 3, `expected a closing '"' for the string, found end of query`},
		{`a ! b`, 3, `expected "!=", found "!" alone`},
		{`label=cat or width>3`, 11, `expected conditions all on the item or all on annotations`},
		{`not (label=cat and width>3)`, 1, `under "not"`},
		{`x in (1 2)`, 9, `expected "," or ")" in the list, found "2"`},
		{`x in 1`, 6, `expected "(" after "in", found "1"`},
		{`a=1 b=2`, 5, `expected "and", "or", "sort", "page" or end of query, found "b"`},
		{`a=and`, 3, `expected a value after "=", found "and"`},
		{`a=1 sort label`, 10, `expected an item field to sort by, found annotation field "label"`},
		{`page -1`, 6, `expected a whole number from 0 to 2147483647 after "page"`},
		{`a=1 pagesize 5000`, 14, `expected a whole number from 1 to 1000 after "pagesize", ` +
			`found "5000"`},
		{`size>1e999`, 6, `expected a number in float64 range, found "1e999"`},
		{`annotation=box`, 1, `expected "annotation exists" or "annotation.<field>"`},
		{`item.=3`, 1, `expected a field name after "item.", found nothing`},
		{`a="\q"`, 3, `expected a valid quoted string`},
	}
	for _, c := range cases {
		_, err := ParseShort(c.query)
		var qe *Error
		if !errors.As(err, &qe) {
			t.Errorf("ParseShort(%q) = %v, want a *Error", c.query, err)
			continue
		}
		if qe.Pos != c.pos || !strings.Contains(qe.Msg, c.want) {
			t.Errorf("ParseShort(%q):\n got %v\nwant position %d: ...%s", c.query, err, c.pos,
				c.want)
		}
	}
}

func TestShortErrorText(t *testing.T) {
	_, err := Parse(`label=person and width>=`)
	want := `query: position 25: expected a value after ">=", found end of query`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestDQLErrors(t *testing.T) {
	cases := []struct{ query, want string }{
		{`{"filter":{"$and":[{"a":1},{"size":{"$lte2":5}}]}}`,
			`query: filter.$and[1].size.$lte2: unknown operator "$lte2"`},
		{`{"filter":{"$where":"x"}}`, `query: filter.$where: unknown operator "$where"`},
		{`{"join":{"filter":{"label":{"$regex":"c"}}}}`,
			`query: join.filter.label.$regex: unknown operator "$regex"`},
		{`{"filter":{"a":{"$not":{"$match":{"b":1}}}}}`,
			`query: filter.a.$not.$match: unknown operator "$match"`},
		{`{"filter":{"a":{"$in":"x"}}}`, `query: filter.a.$in: expected an array, found a string`},
		{`{"filter":{"a":{"$exists":1}}}`, `query: filter.a.$exists: expected true or false`},
		{`{"filter":{"$or":[]}}`, `query: filter.$or: expected a non-empty array`},
		{`{"filter":{"$and":[{}]}}`, `query: filter.$and[0]: expected at least one condition`},
		{`{"filter":{"a":[1,2]}}`, `query: filter.a: expected a string, number, boolean or null`},
		{`{"pageSize":2000}`, `query: pageSize: expected a whole number from 1 to 1000`},
		{`{"page":-1}`, `query: page: expected a whole number from 0`},
		{`{"sort":{"filename":"up"}}`, `query: sort.filename: expected "ascending" or`},
		{`{"resource":"annotations"}`, `query: resource: expected "items"`},
		{`{"filters":{}}`, `query: filters: unknown key`},
		{`{"join":{"on":{"resource":"items"}}}`, `query: join.on.resource: only "annotations"`},
		{`{"filter":{"a":1}`, `query: invalid JSON`},
		{`{"filter":{}} x`, `query: invalid JSON`},
		{`{"filter":{"a":1e999}}`, `query: filter.a: number 1e999 is out of range`},
	}
	for _, c := range cases {
		_, err := Parse(c.query)
		var qe *Error
		if !errors.As(err, &qe) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Parse(%s):\n got %v\nwant %s...", c.query, err, c.want)
		}
	}
}
