package query

import (
	"math"
	"strconv"
	"strings"
)

// Field name prefixes and shorthands of the short form.
const (
	itemPrefix       = "item."
	annotationPrefix = "annotation."
	annotationWord   = "annotation"
	labelField       = "label"
	systemPrefix     = "metadata.system."
)

// systemShorthands are the short-form names for metadata.system fields.
var systemShorthands = map[string]bool{
	"mimetype": true, "width": true, "height": true, "size": true,
}

// shortField is a field name of the short form resolved to its side and
// its path in the item or the annotation.
type shortField struct {
	path  string
	ann   bool // the path is in an annotation
	whole bool // the bare word "annotation": only "annotation exists"
	tok   token
}

// resolveField maps a short-form field name to a document path:
// "item.<path>" and "annotation.<path>" address either side literally,
// "label" is the annotation's label, "mimetype", "width", "height" and
// "size" are under metadata.system, and any other name is an item path.
func resolveField(t token) (shortField, error) {
	name := t.text
	f := shortField{path: name, tok: t}
	switch {
	case strings.HasPrefix(name, itemPrefix):
		f.path = name[len(itemPrefix):]
	case strings.HasPrefix(name, annotationPrefix):
		f.path, f.ann = name[len(annotationPrefix):], true
	case name == annotationWord:
		f.ann, f.whole = true, true
		return f, nil
	case name == labelField:
		f.ann = true
	case systemShorthands[name]:
		f.path = systemPrefix + name
	}
	if f.path == "" {
		return f, posErrorf(t.off, "expected a field name after %q, found nothing", name)
	}
	return f, nil
}

// wrap returns a part holding n on the field's side.
func (f shortField) wrap(n Node) (part, error) {
	if f.whole {
		return part{}, posErrorf(f.tok.off, `expected "annotation exists" or `+
			`"annotation.<field>", found "annotation" with a comparison`)
	}
	return sided(n, f.ann), nil
}

// shortName returns the short-form spelling of a document path, quoted
// when it is not a plain word.
func shortName(path string, ann bool) string {
	name := path
	switch {
	case ann && path == labelField:
	case ann:
		name = annotationPrefix + path
	case strings.HasPrefix(path, systemPrefix) && systemShorthands[path[len(systemPrefix):]]:
		name = path[len(systemPrefix):]
	case path == labelField || path == annotationWord || systemShorthands[path] ||
		strings.HasPrefix(path, itemPrefix) || strings.HasPrefix(path, annotationPrefix):
		name = itemPrefix + path
	}
	if isPlainWord(name) {
		return name
	}
	return strconv.Quote(name)
}

// clauses parses the optional tail: "sort" keys, then "page" and
// "pagesize" numbers in either order.
func (p *shortParser) clauses(q *Query) error {
	if isWord(p.peek(), "sort") {
		p.next()
		for {
			if err := p.sortKey(q); err != nil {
				return err
			}
			if p.peek().kind != tokComma {
				break
			}
			p.next()
		}
	}
	seen := map[string]bool{}
	for {
		t := p.peek()
		kw := strings.ToLower(t.text)
		if t.kind != tokWord || (kw != "page" && kw != "pagesize") || seen[kw] {
			return nil
		}
		seen[kw] = true
		p.next()
		var err error
		if kw == "page" {
			q.Page, err = p.intAfter(t, 0, math.MaxInt32)
		} else {
			q.PageSize, err = p.intAfter(t, 1, MaxPageSize)
		}
		if err != nil {
			return err
		}
	}
}

// sortKey parses: field [ "asc" | "desc" ].
func (p *shortParser) sortKey(q *Query) error {
	t := p.next()
	if (t.kind != tokWord && t.kind != tokString) || (t.kind == tokWord && isKeyword(t.text)) {
		return posErrorf(t.off, "expected a field name to sort by, found %s", t.describe())
	}
	f, err := resolveField(t)
	if err != nil {
		return err
	}
	if f.ann {
		return posErrorf(t.off, "expected an item field to sort by, found annotation field %s",
			t.describe())
	}
	key := SortKey{Field: f.path}
	switch {
	case isWord(p.peek(), "desc"):
		key.Desc = true
		p.next()
	case isWord(p.peek(), "asc"):
		p.next()
	}
	q.Sort = append(q.Sort, key)
	return nil
}

// intAfter parses a whole number in [lo, hi] after the keyword kw.
func (p *shortParser) intAfter(kw token, lo, hi int) (int, error) {
	t := p.next()
	n, err := strconv.Atoi(t.text)
	if t.kind != tokWord || err != nil || n < lo || n > hi {
		return 0, posErrorf(t.off, "expected a whole number from %d to %d after %s, found %s",
			lo, hi, kw.describe(), t.describe())
	}
	return n, nil
}
