package meta_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dlfs/dlfs/blob/backend"
	"github.com/dlfs/dlfs/ingest"
	"github.com/dlfs/dlfs/meta"
	"github.com/dlfs/dlfs/meta/query"
)

// Filenames of the fixture export, read off its JSON files, and of the
// items with user metadata the test adds (see addUserItems).
const (
	f009  = "/000000000009.jpg"
	f025  = "/000000000025.jpg"
	f030  = "/000000000030.jpg"
	f034  = "/000000000034.jpg"
	f036  = "/000000000036.jpg"
	f042  = "/000000000042.jpg"
	fWebm = "/2021_04_23_10_39_21_Cache_Trim_Cropped.webm"
	fCat  = "/cat.jpg"
	s049  = "/sub/000000000049.jpg"
	s061  = "/sub/000000000061.jpg"
	s064  = "/sub/000000000064.jpg"
	s071  = "/sub/000000000071.jpg"
	s072  = "/sub/000000000072.jpg"
	s073  = "/sub/000000000073.jpg"
	s074  = "/sub/000000000074.jpg"
	u1    = "/user/a.png"
	u2    = "/user/b.png"
	u3    = "/user/c.png"
)

// The join clause of DQL cases with annotation conditions.
const on = `"on":{"resource":"annotations","local":"itemId","forigen":"id"}`

// searchCase is one query in both syntaxes, the filenames it must answer
// in order, and whether an index must answer it.
type searchCase struct {
	name, short, dql string
	want             []string
	indexed          bool
}

// searchCases were written from the fixture JSON (labels and types of the
// annotations, metadata.system sizes, dimensions and mimetypes, createdAt,
// folders) and from the user items of addUserItems. Answers without a
// sort are in filename order.
var searchCases = []searchCase{
	{"everything", ``, `{}`, []string{f009, f025, f030, f034, f036, f042, fWebm, fCat,
		s049, s061, s064, s071, s072, s073, s074, u1, u2, u3}, false},
	{"label", `label=person`, `{"join":{` + on + `,"filter":{"label":"person"}}}`,
		[]string{f036, fWebm, s049, s061, s074}, true},
	{"label eq", `label = giraffe`, `{"join":{"filter":{"label":{"$eq":"giraffe"}}}}`,
		[]string{f025, s072}, true},
	{"type segment", `annotation.type=segment`, `{"join":{"filter":{"type":"segment"}}}`,
		[]string{fCat}, true},
	{"type box", `annotation.type=box`, `{"join":{"filter":{"type":{"$in":["box"]}}}}`,
		[]string{f009, f025, f030, f034, f036, f042, fWebm, s049, s061, s064, s071, s072,
			s073, s074}, true},
	{"same annotation", `label=car and annotation.type=box`,
		`{"join":{"filter":{"$and":[{"type":"box"},{"label":"car"}]}}}`,
		[]string{s064, s071}, true},
	{"label in", `label in (dog, zebra)`,
		`{"join":{"filter":{"label":{"$in":["dog","zebra"]}}}}`, []string{f034, f042, s074}, true},
	{"label or, dir", `(label=dog or label=horse) and dir=/sub`,
		`{"filter":{"dir":"/sub"},"join":{"filter":{"$or":[{"label":"dog"},{"label":"horse"}]}}}`,
		[]string{s049, s074}, true},
	{"label wildcard", `label=c*`, `{"join":{"filter":{"label":"c*"}}}`,
		[]string{fCat, s064, s071, u1}, true},
	{"label and width", `label=person and width>=600`,
		`{"filter":{"metadata.system.width":{"$gte":600}},"join":{"filter":{"label":"person"}}}`,
		[]string{fWebm, s061, s074}, true},
	{"dir", `dir=/sub`, `{"filter":{"dir":"/sub"}}`,
		[]string{s049, s061, s064, s071, s072, s073, s074}, true},
	{"filename star", `filename=/sub/*`, `{"filter":{"filename":"/sub/*"}}`,
		[]string{s049, s061, s064, s071, s072, s073, s074}, true},
	{"filename middle star", `filename=/sub/*7*.jpg`, `{"filter":{"filename":"/sub/*7*.jpg"}}`,
		[]string{s071, s072, s073, s074}, true},
	{"mimetype prefix", `mimetype=video*`, `{"filter":{"metadata.system.mimetype":"video*"}}`,
		[]string{fWebm}, true},
	{"mimetype and dir", `mimetype=image/* and dir=/`,
		`{"filter":{"$and":[{"metadata.system.mimetype":"image/*"},{"dir":"/"}]}}`,
		[]string{f009, f025, f030, f034, f036, f042, fCat}, true},
	{"nin: a scan", `not mimetype in (image/jpeg)`,
		`{"filter":{"metadata.system.mimetype":{"$nin":["image/jpeg"]}}}`,
		[]string{fWebm, u1, u2, u3}, false},
	{"width", `width>=600`, `{"filter":{"metadata.system.width":{"$gte":600}}}`,
		[]string{f009, f025, f030, f034, f042, fWebm, s061, s071, s074}, true},
	{"height range", `height>400 and height<450`,
		`{"filter":{"metadata.system.height":{"$gt":400,"$lt":450}}}`,
		[]string{f025, f030, f034, s071, s074}, true},
	{"size range", `size>=200000 and size<=250000`,
		`{"filter":{"metadata.system.size":{"$gte":2e5,"$lte":250000}}}`,
		[]string{f009, f042, fWebm, s064, s071, s072}, true},
	{"size or", `size<100000 or size>=400000`,
		`{"filter":{"$or":[{"metadata.system.size":{"$lt":100000}},` +
			`{"metadata.system.size":{"$gte":400000}}]}}`,
		[]string{f030, f034, fCat, s061, u1, u2}, true},
	{"exact size", `size=34939`, `{"filter":{"metadata.system.size":34939}}`,
		[]string{fCat}, true},
	{"width and height", `width=640 and height=480`,
		`{"filter":{"metadata.system.width":640,"metadata.system.height":480}}`,
		[]string{f009}, true},
	{"created before", `createdAt<"2022-05-08T16:35:02.000Z"`,
		`{"filter":{"createdAt":{"$lt":"2022-05-08T16:35:02.000Z"}}}`,
		[]string{f009, f025, f030}, true},
	{"created after", `createdAt>=2024-01-01`, `{"filter":{"createdAt":{"$gte":"2024-01-01"}}}`,
		[]string{fWebm, fCat, u1, u2, u3}, true},
	{"user bool", `metadata.user.reviewed=true`, `{"filter":{"metadata.user.reviewed":true}}`,
		[]string{u1}, true},
	{"user number", `metadata.user.score>0.5`,
		`{"filter":{"metadata.user.score":{"$gt":0.5}}}`, []string{u1, u3}, true},
	{"user array", `metadata.user.tags=dog`, `{"filter":{"metadata.user.tags":"dog"}}`,
		[]string{u2}, true},
	{"user array in", `metadata.user.tags in (cat, bird)`,
		`{"filter":{"metadata.user.tags":{"$in":["cat","bird"]}}}`, []string{u1}, true},
	{"user nested", `metadata.user.owner.name=b*`,
		`{"filter":{"metadata.user.owner.name":"b*"}}`, []string{u2}, true},
	{"user array of objects", `metadata.user.items.kind=y`,
		`{"filter":{"metadata.user.items.kind":"y"}}`, []string{u3}, true},
	{"user null exists", `metadata.user.note exists`,
		`{"filter":{"metadata.user.note":{"$exists":true}}}`, []string{u2}, true},
	{"user not exists", `not metadata.user.reviewed exists and dir=/user`,
		`{"filter":{"dir":"/user","metadata.user.reviewed":{"$exists":false}}}`,
		[]string{u3}, true},
	{"user null", `metadata.user.note=null and dir=/user`,
		`{"filter":{"metadata.user.note":null,"dir":"/user"}}`, []string{u1, u2, u3}, true},
	{"user range", `metadata.user.batch>=3 and metadata.user.batch<7`,
		`{"filter":{"metadata.user.batch":{"$gte":3,"$lt":7}}}`, []string{u1}, true},
	{"annotated", `annotated=true and dir=/user`,
		`{"filter":{"annotated":true,"dir":"/user"}}`, []string{u1}, true},
	{"any annotation", `annotation exists and dir=/user`,
		`{"filter":{"dir":"/user"},"join":{` + on + `}}`, []string{u1}, true},
	{"sort desc", `dir=/sub sort size desc`,
		`{"filter":{"dir":"/sub"},"sort":{"metadata.system.size":"descending"}}`,
		[]string{s061, s073, s072, s064, s071, s074, s049}, true},
	{"sort two keys", `width=640 sort height desc, filename desc`,
		`{"filter":{"metadata.system.width":640},` +
			`"sort":{"metadata.system.height":"descending","filename":"descending"}}`,
		[]string{s061, f009, f042, f030, s074, s071, f025, f034}, true},
	{"page", `dir=/sub page 1 pagesize 5`, `{"filter":{"dir":"/sub"},"page":1,"pageSize":5}`,
		[]string{s073, s074}, true},
	{"nothing", `dir=/nowhere`, `{"filter":{"dir":"/nowhere"}}`, []string{}, true},
}

func TestSearchFixture(t *testing.T) {
	cat, ds := importFixture(t)
	addUserItems(t, cat, ds)
	if len(searchCases) < 30 {
		t.Fatalf("only %d cases", len(searchCases))
	}
	for _, tc := range searchCases {
		t.Run(tc.name, func(t *testing.T) {
			for _, src := range []string{tc.short, tc.dql} {
				q, err := query.Parse(src)
				if err != nil {
					t.Fatalf("parse %q: %v", src, err)
				}
				res := search(t, cat, ds, q, meta.SearchOptions{})
				if got := filenames(res); !slices.Equal(got, tc.want) {
					t.Errorf("%s\n got %q\nwant %q", src, got, tc.want)
				}
				if tc.indexed == (res.Explain.Index == "") {
					t.Errorf("%s: explain %q, want indexed %v", src, res.Explain, tc.indexed)
				}
				scan := search(t, cat, ds, q, meta.SearchOptions{FullScan: true})
				if !slices.Equal(filenames(scan), filenames(res)) {
					t.Errorf("%s: full scan %q, index %q", src, filenames(scan), filenames(res))
				}
			}
		})
	}
}

// TestSearchAllPages checks that AllPages lifts only the default page.
func TestSearchAllPages(t *testing.T) {
	cat, ds := importFixture(t)
	q, err := query.Parse("dir=/sub pagesize 2")
	if err != nil {
		t.Fatal(err)
	}
	res := search(t, cat, ds, q, meta.SearchOptions{AllPages: true})
	if got := filenames(res); !slices.Equal(got, []string{s049, s061}) {
		t.Errorf("pagesize 2 with AllPages: %q", got)
	}
	if res.Explain.Matches != 7 {
		t.Errorf("matches %d, want 7", res.Explain.Matches)
	}
}

func search(t *testing.T, cat *meta.Catalog, ds *meta.Dataset, q *query.Query,
	opt meta.SearchOptions) *meta.Result {
	t.Helper()
	res, err := cat.Search(ds.ID, q, opt)
	if err != nil {
		t.Fatalf("search %s: %v", q, err)
	}
	return res
}

func filenames(res *meta.Result) []string {
	out := []string{}
	for _, r := range res.Records {
		out = append(out, r.Item.Filename)
	}
	return out
}

// importFixture imports the fixture export into a new store.
func importFixture(t *testing.T) (*meta.Catalog, *meta.Dataset) {
	t.Helper()
	dir := t.TempDir()
	cat, err := meta.Open(dir, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	ds, err := cat.CreateDataset("fixture", "local")
	if err != nil {
		t.Fatal(err)
	}
	store, err := backend.Open(context.Background(), ds.Backend, dir, backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	src := filepath.Join(fixturesDir(t), "dataloop-export")
	res, err := ingest.New(cat, ds, store, ingest.Options{}).Import(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) > 0 || res.Items != 15 {
		t.Fatalf("import: %d items, problems %v", res.Items, res.Problems)
	}
	return cat, ds
}

// fixturesDir finds shared/fixtures beside the repository.
func fixturesDir(t *testing.T) string {
	t.Helper()
	wd, _ := os.Getwd()
	for d := wd; d != "/"; d = filepath.Dir(d) {
		for _, p := range []string{filepath.Join(d, "shared", "fixtures"),
			filepath.Join(d, "..", "shared", "fixtures")} {
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				return filepath.Clean(p)
			}
		}
	}
	t.Fatalf("no shared/fixtures above %s", wd)
	return ""
}

// addUserItems adds three items with user metadata under /user; only the
// first has an annotation (a cat point).
func addUserItems(t *testing.T, cat *meta.Catalog, ds *meta.Dataset) {
	t.Helper()
	items := []struct {
		id, path, user string
		size           int
		anns           []meta.Annotation
	}{
		{"aaaaaaaaaaaaaaaaaaaaaaa1", u1, `{"reviewed": true, "score": 0.9, "batch": 3,
			"tags": ["cat", "outdoor"], "owner": {"name": "ann"}}`, 1000,
			[]meta.Annotation{{"label": "cat", "type": "point"}}},
		{"aaaaaaaaaaaaaaaaaaaaaaa2", u2, `{"reviewed": false, "score": 0.4, "batch": 7,
			"tags": ["dog"], "owner": {"name": "bob"}, "note": null}`, 2000, nil},
		{"aaaaaaaaaaaaaaaaaaaaaaa3", u3, `{"score": 12, "items": [{"kind": "x"}, {"kind": "y"}]}`,
			300000, nil},
	}
	err := cat.Update(func(tx *meta.Tx) error {
		for _, it := range items {
			user, err := meta.DecodeObject([]byte(it.user))
			if err != nil {
				return err
			}
			rec := &meta.Record{Item: &meta.Item{ID: it.id, Filename: it.path,
				CreatedAt: "2026-01-01T00:00:00.000Z", Metadata: map[string]any{
					"user": user, "system": map[string]any{"mimetype": "image/png",
						"size": it.size}}}}
			anns := it.anns
			if anns == nil {
				anns = []meta.Annotation{}
			}
			if err := tx.PutItem(ds, rec, anns); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSearchAfterChanges replaces, moves and deletes fixture items and
// checks that indexed answers follow and equal full scans.
func TestSearchAfterChanges(t *testing.T) {
	cat, ds := importFixture(t)
	err := cat.Update(func(tx *meta.Tx) error {
		giraffe, err := cat.ItemByPath(ds, s072)
		if err != nil {
			return err
		}
		zebra := []meta.Annotation{{"label": "zebra", "type": "box"}}
		if err := tx.PutItem(ds, giraffe, zebra); err != nil {
			return err
		}
		moved, err := cat.ItemByPath(ds, fCat)
		if err != nil {
			return err
		}
		moved.Item.Filename = "/sub/cat.jpg"
		if err := tx.PutItem(ds, moved, nil); err != nil {
			return err
		}
		gone, err := cat.ItemByPath(ds, f034)
		if err != nil {
			return err
		}
		_, err = tx.DeleteItem(ds, gone.Item.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]string{
		"label=giraffe":           {f025},
		"label=zebra":             {s072},
		"label=cat":               {"/sub/cat.jpg"},
		"dir=/ and size=34939":    {},
		"size=34939":              {"/sub/cat.jpg"},
		"filename=/sub/c*":        {"/sub/cat.jpg"},
		"size>400000":             {s061},
		"annotation.type=segment": {"/sub/cat.jpg"},
	} {
		parsed, err := query.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		res := search(t, cat, ds, parsed, meta.SearchOptions{})
		scan := search(t, cat, ds, parsed, meta.SearchOptions{FullScan: true})
		if got := filenames(res); !slices.Equal(got, want) || res.Explain.Index == "" {
			t.Errorf("%s: %q (%s), want %q from an index", q, got, res.Explain, want)
		}
		if !slices.Equal(filenames(scan), want) {
			t.Errorf("%s: full scan %q, want %q", q, filenames(scan), want)
		}
	}
}
