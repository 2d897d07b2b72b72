package query

import "testing"

// userItems is a small dataset with metadata.user fields, a hidden item,
// a folder item and numbers in both json.Number and float64 form.
const userItems = `[
 {"filename": "/u/a.jpg", "dir": "/u", "type": "file", "hidden": false,
  "metadata": {"user": {"reviewed": true, "score": 0.9, "split": "train",
   "tags": ["night", "rain"], "batch": 3}},
  "annotations": [{"label": "Car", "type": "box", "attributes": ["parked", "red"]}]},
 {"filename": "/u/b.jpg", "dir": "/u", "type": "file", "hidden": false,
  "metadata": {"user": {"reviewed": false, "score": 0.35, "split": "val",
   "tags": ["day"], "batch": "3", "note": null}},
  "annotations": [{"label": "car", "type": "point"}]},
 {"filename": "/u/c.jpg", "dir": "/u", "type": "file", "hidden": false,
  "metadata": {"user": {"split": "train",
   "people": [{"name": "x", "age": 30}, {"name": "y", "age": 5}]}},
  "annotations": []},
 {"filename": "/u/d.jpg", "dir": "/u", "type": "file", "hidden": true,
  "metadata": {"user": {"split": "train"}}, "annotations": []},
 {"filename": "/u/folder", "dir": "/u", "type": "dir", "hidden": false,
  "metadata": {}, "annotations": []}
]`

// loadUserItems decodes userItems; c.jpg gets a float64 score, as callers
// that build maps by hand may pass.
func loadUserItems(t *testing.T) []doc {
	t.Helper()
	all := decode(t, []byte(`{"items":`+userItems+`}`))["items"].([]any)
	var docs []doc
	for _, it := range all {
		docs = append(docs, split(it.(map[string]any)))
	}
	user := docs[2].item["metadata"].(map[string]any)["user"].(map[string]any)
	user["score"] = 1.5
	return docs
}

var userCases = []searchCase{
	{"user exists", `metadata.user.reviewed exists`,
		`{"filter":{"metadata.user.reviewed":{"$exists":true}}}`,
		[]string{"/u/a.jpg", "/u/b.jpg"}},
	{"user missing", `not metadata.user.reviewed exists`,
		`{"filter":{"metadata.user.reviewed":{"$exists":false}}}`, []string{"/u/c.jpg"}},
	{"null exists", `metadata.user.note exists`,
		`{"filter":{"metadata.user.note":{"$exists":true}}}`, []string{"/u/b.jpg"}},
	{"null matches missing", `metadata.user.note=null`,
		`{"filter":{"metadata.user.note":null}}`, []string{"/u/a.jpg", "/u/b.jpg", "/u/c.jpg"}},
	{"bool", `metadata.user.reviewed=true`, `{"filter":{"metadata.user.reviewed":true}}`,
		[]string{"/u/a.jpg"}},
	{"bool is not a string", `metadata.user.reviewed="true"`,
		`{"filter":{"metadata.user.reviewed":"true"}}`, []string{}},
	{"float64 and json.Number", `metadata.user.score>0.5`,
		`{"filter":{"metadata.user.score":{"$gt":0.5}}}`, []string{"/u/a.jpg", "/u/c.jpg"}},
	{"number not string", `metadata.user.batch=3`, `{"filter":{"metadata.user.batch":3}}`,
		[]string{"/u/a.jpg"}},
	{"string not number", `metadata.user.batch="3"`, `{"filter":{"metadata.user.batch":"3"}}`,
		[]string{"/u/b.jpg"}},
	{"array any element", `metadata.user.tags=rain`, `{"filter":{"metadata.user.tags":"rain"}}`,
		[]string{"/u/a.jpg"}},
	{"array in", `metadata.user.tags in (day, rain)`,
		`{"filter":{"metadata.user.tags":{"$in":["day","rain"]}}}`,
		[]string{"/u/a.jpg", "/u/b.jpg"}},
	{"array ne", `metadata.user.tags!=rain`, `{"filter":{"metadata.user.tags":{"$ne":"rain"}}}`,
		[]string{"/u/b.jpg", "/u/c.jpg"}},
	{"array of objects", `metadata.user.people.age<10`,
		`{"filter":{"metadata.user.people.age":{"$lt":10}}}`, []string{"/u/c.jpg"}},
	{"array index", `metadata.user.people.0.name=x`,
		`{"filter":{"metadata.user.people.0.name":"x"}}`, []string{"/u/c.jpg"}},
	{"hidden default", `metadata.user.split=train`, `{"filter":{"metadata.user.split":"train"}}`,
		[]string{"/u/a.jpg", "/u/c.jpg"}},
	{"hidden named", `metadata.user.split=train and hidden=true`,
		`{"filter":{"metadata.user.split":"train","hidden":true}}`, []string{"/u/d.jpg"}},
	{"hidden any", `hidden exists`, `{"filter":{"hidden":{"$exists":true}}}`,
		[]string{"/u/a.jpg", "/u/b.jpg", "/u/c.jpg", "/u/d.jpg"}},
	{"type named", `type=dir`, `{"filter":{"type":"dir"}}`, []string{"/u/folder"}},
	{"labels are case-sensitive", `label=car`, `{"join":{"filter":{"label":"car"}}}`,
		[]string{"/u/b.jpg"}},
	{"annotation attributes", `annotation.attributes=red`,
		`{"join":{"filter":{"attributes":"red"}}}`, []string{"/u/a.jpg"}},
	{"any annotation", `annotation exists`, `{"join":{"filter":{}}}`,
		[]string{"/u/a.jpg", "/u/b.jpg"}},
	{"sort user desc", `sort metadata.user.score desc`,
		`{"sort":{"metadata.user.score":"descending"}}`,
		[]string{"/u/c.jpg", "/u/a.jpg", "/u/b.jpg"}},
	{"sort missing first", `sort metadata.user.batch`,
		`{"sort":{"metadata.user.batch":"ascending"}}`,
		[]string{"/u/c.jpg", "/u/a.jpg", "/u/b.jpg"}},
}

func TestUserMetadataQueries(t *testing.T) {
	checkCases(t, loadUserItems(t), userCases)
}
