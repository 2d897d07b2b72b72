package query

import (
	"errors"
	"testing"
)

// fuzzDocs are a few items and annotations to compare a query with its
// reparsed String on.
var fuzzDocs = []string{
	`{"filename":"/a/b.jpg","dir":"/a","type":"file","hidden":false,"name":"b.jpg",
	  "metadata":{"system":{"mimetype":"image/jpeg","width":640,"height":480,"size":1000},
	  "user":{"tags":["x","y"],"n":null,"ok":true}}}`,
	`{"filename":"/c.png","dir":"/","type":"file","hidden":true,"label":"car",
	  "metadata":{"system":{"mimetype":"image/png","width":10.5}}}`,
	`{"label":"car","type":"box","attributes":["red"],"metadata":{"system":{"automated":false}}}`,
}

func fuzzSeeds(f *testing.F, dql bool) {
	for _, c := range append(append([]searchCase{}, fixtureCases...), userCases...) {
		if dql {
			f.Add(c.dql)
		} else {
			f.Add(c.short)
		}
	}
}

// fuzzCheck asserts what must hold for any input: errors are *Error, and a
// parsed query's String parses to the same query, which matches the same
// documents.
func fuzzCheck(t *testing.T, q *Query, err error, src string) {
	if err != nil {
		var qe *Error
		if !errors.As(err, &qe) {
			t.Fatalf("%q: error %v is not a *Error", src, err)
		}
		return
	}
	checkRoundTrip(t, src, q)
	q2, _ := ParseShort(q.String())
	for _, d := range fuzzDocs {
		m := decode(t, []byte(d))
		anns := []map[string]any{m}
		if q.Match(m, anns) != q2.Match(m, anns) || q.Less(m, m) || q.Less(m, m) != q2.Less(m, m) {
			t.Fatalf("%q and its String %q disagree on %s", src, q.String(), d)
		}
	}
}

func FuzzParseShort(f *testing.F) {
	fuzzSeeds(f, false)
	f.Add(`not not (a=1 or b in ()) and "x\ty"!=-0 page 3`)
	f.Add(`annotation exists or label=**`)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseShort(s)
		fuzzCheck(t, q, err, s)
	})
}

func FuzzParseDQL(f *testing.F) {
	fuzzSeeds(f, true)
	f.Add(`{"filter":{"$not":{"$or":[{"a.b":{"$nin":[1,"x",null,true]}},{"":{}}]}}}`)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseDQL([]byte(s))
		fuzzCheck(t, q, err, s)
	})
}
