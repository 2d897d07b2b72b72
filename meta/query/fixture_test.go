package query

import "testing"

// Filenames of the fixture export, read off its JSON files.
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
)

// The join clause every DQL case with annotation conditions uses.
const on = `"on":{"resource":"annotations","local":"itemId","forigen":"id"}`

// fixtureCases were derived by reading the fixture JSON: labels, types,
// metadata.system sizes and dimensions, createdAt and folders.
var fixtureCases = []searchCase{
	{"everything", ``, `{}`, []string{f009, f025, f030, f034, f036, f042, fWebm, fCat,
		s049, s061, s064, s071, s072, s073, s074}},
	{"join label", `label=person`,
		`{"join":{` + on + `,"filter":{"label":"person"}}}`,
		[]string{f036, fWebm, s049, s061, s074}},
	{"join label giraffe", `label = giraffe`,
		`{"resource":"items","join":{"filter":{"label":{"$eq":"giraffe"}}}}`,
		[]string{f025, s072}},
	{"join type segment", `annotation.type=segment`,
		`{"join":{` + on + `,"filter":{"type":"segment"}}}`, []string{fCat}},
	{"join type box", `annotation.type=box`, `{"join":{"filter":{"type":{"$in":["box"]}}}}`,
		[]string{f009, f025, f030, f034, f036, f042, fWebm, s049, s061, s064, s071, s072,
			s073, s074}},
	{"join type ne box", `annotation.type!=box`, `{"join":{"filter":{"type":{"$ne":"box"}}}}`,
		[]string{fCat}},
	{"same annotation car box", `label=car and annotation.type=box`,
		`{"join":{"filter":{"$and":[{"type":{"$in":["box"]}},{"label":"car"}]}}}`,
		[]string{s064, s071}},
	{"same annotation cat box", `label=cat and annotation.type=box`,
		`{"join":{"filter":{"label":"cat","type":"box"}}}`, []string{}},
	{"same annotation cat segment", `annotation.type=segment and label=cat`,
		`{"join":{"filter":{"label":"cat","type":"segment"}}}`, []string{fCat}},
	{"label in", `label in (dog, zebra)`,
		`{"join":{"filter":{"label":{"$in":["dog","zebra"]}}}}`, []string{f034, f042, s074}},
	{"label or and dir", `(label=dog or label=horse) and dir=/sub`,
		`{"filter":{"dir":"/sub"},"join":{"filter":{"$or":[{"label":"dog"},{"label":"horse"}]}}}`,
		[]string{s049, s074}},
	{"label wildcard", `label=c*`, `{"join":{"filter":{"label":"c*"}}}`,
		[]string{fCat, s064, s071}},
	{"automated false", `annotation.metadata.system.automated=false`,
		`{"join":{"filter":{"metadata.system.automated":false}}}`, []string{fCat}},
	{"join not label", `dir=/sub and not label=person`,
		`{"filter":{"dir":"/sub"},"join":{"filter":{"$not":{"label":"person"}}}}`,
		[]string{s049, s061, s064, s071, s072, s073, s074}},
	{"person and wide", `label=person and metadata.system.width>=600`,
		`{"filter":{"metadata.system.width":{"$gte":600}},"join":{"filter":{"label":"person"}}}`,
		[]string{fWebm, s061, s074}},
	{"dir equal", `dir=/sub`, `{"filter":{"dir":"/sub"}}`,
		[]string{s049, s061, s064, s071, s072, s073, s074}},
	{"filename one level", `filename=/sub/*`, `{"filter":{"filename":"/sub/*"}}`,
		[]string{s049, s061, s064, s071, s072, s073, s074}},
	{"star does not cross", `filename=/*`, `{"filter":{"filename":"/*"}}`,
		[]string{f009, f025, f030, f034, f036, f042, fWebm, fCat}},
	{"star suffix at root", `filename="/*.jpg"`, `{"filter":{"filename":"/*.jpg"}}`,
		[]string{f009, f025, f030, f034, f036, f042, fCat}},
	{"double star crosses", `filename=/**.jpg`, `{"filter":{"filename":"/**.jpg"}}`,
		[]string{f009, f025, f030, f034, f036, f042, fCat, s049, s061, s064, s071, s072,
			s073, s074}},
	{"middle star", `filename=/sub/*7*.jpg`, `{"filter":{"filename":"/sub/*7*.jpg"}}`,
		[]string{s071, s072, s073, s074}},
	{"mimetype prefix", `mimetype=video*`,
		`{"filter":{"metadata.system.mimetype":"video*"}}`, []string{fWebm}},
	{"mimetype slash star", `mimetype=image/* and dir=/`,
		`{"filter":{"$and":[{"metadata.system.mimetype":"image*"},{"dir":"/"}]}}`,
		[]string{f009, f025, f030, f034, f036, f042, fCat}},
	{"nin mimetype", `not mimetype in (image/jpeg)`,
		`{"filter":{"metadata.system.mimetype":{"$nin":["image/jpeg"]}}}`, []string{fWebm}},
	{"nin dir", `not dir in ("/sub", /nowhere)`,
		`{"filter":{"dir":{"$nin":["/sub","/nowhere"]}}}`,
		[]string{f009, f025, f030, f034, f036, f042, fWebm, fCat}},
	{"width at least 600", `width>=600`,
		`{"filter":{"metadata.system.width":{"$gte":600}}}`,
		[]string{f009, f025, f030, f034, f042, fWebm, s061, s071, s074}},
	{"height range", `height>400 and height<450`,
		`{"filter":{"metadata.system.height":{"$gt":400,"$lt":450}}}`,
		[]string{f025, f030, f034, s071, s074}},
	{"size inclusive range", `size>=200000 and size<=250000`,
		`{"filter":{"metadata.system.size":{"$gte":2e5,"$lte":250000.0}}}`,
		[]string{f009, f042, fWebm, s064, s071, s072}},
	{"small or large", `size<100000 or size>=400000`,
		`{"filter":{"$or":[{"metadata.system.size":{"$lt":100000}},` +
			`{"metadata.system.size":{"$gte":400000}}]}}`,
		[]string{f030, f034, fCat, s061}},
	{"exact size", `size=34939`, `{"filter":{"metadata.system.size":34939}}`, []string{fCat}},
	{"neither dimension 600", `not (width>=600 or height>=600)`,
		`{"filter":{"$not":{"$or":[{"metadata.system.width":{"$gte":600}},` +
			`{"metadata.system.height":{"$gte":600}}]}}}`,
		[]string{fCat, s049}},
	{"640 by 480", `width=640 and height=480`,
		`{"filter":{"metadata.system.width":640,"metadata.system.height":480}}`,
		[]string{f009}},
	{"exists", `not metadata.system.exif exists`,
		`{"filter":{"metadata.system.exif":{"$exists":false}}}`, []string{fWebm, fCat}},
	{"exists with dash", `metadata.system.image-preprocess-fail exists`,
		`{"filter":{"metadata.system.image-preprocess-fail":{"$exists":true}}}`,
		[]string{f034, s073, s074}},
	{"top-level metadata key", `metadata.fps exists`,
		`{"filter":{"metadata.fps":{"$exists":true}}}`, []string{fWebm}},
	{"iso time strings", `createdAt<"2022-05-08T16:35:02.000Z"`,
		`{"filter":{"createdAt":{"$lt":"2022-05-08T16:35:02.000Z"}}}`,
		[]string{f009, f025, f030}},
	{"iso time after", `createdAt>=2024-01-01`,
		`{"filter":{"createdAt":{"$gte":"2024-01-01"}}}`, []string{fWebm, fCat}},
	{"name differs", `name=jpg_image_item.jpg`, `{"filter":{"name":"jpg_image_item.jpg"}}`,
		[]string{fCat}},
	{"count", `annotationsCount>=8`, `{"filter":{"annotationsCount":{"$gte":8}}}`,
		[]string{f009, s049, s071, s074}},
	{"hidden named", `hidden=true`, `{"filter":{"hidden":true}}`, []string{}},
	{"number is not a string", `size="34939"`, `{"filter":{"metadata.system.size":"34939"}}`,
		[]string{}},
	{"sort desc", `dir=/sub sort size desc`,
		`{"filter":{"dir":"/sub"},"sort":{"metadata.system.size":"descending"}}`,
		[]string{s061, s073, s072, s064, s071, s074, s049}},
	{"sort asc with ties", `sort width asc`,
		`{"sort":{"metadata.system.width":"ascending"}}`,
		[]string{s049, s072, s064, f036, fCat, s073, f009, f025, f030, f034, f042, s061,
			s071, s074, fWebm}},
	{"sort two keys", `width=640 sort height desc, filename desc`,
		`{"filter":{"metadata.system.width":640},` +
			`"sort":{"metadata.system.height":"descending","filename":"descending"}}`,
		[]string{s061, f009, f042, f030, s074, s071, f025, f034}},
	{"page", `sort width pagesize 4 page 1`,
		`{"sort":{"metadata.system.width":"ascending"},"page":1,"pageSize":4}`,
		[]string{fCat, s073, f009, f025}},
	{"last page", `dir=/sub page 1 pagesize 5`,
		`{"filter":{"dir":"/sub"},"page":1,"pageSize":5}`, []string{s073, s074}},
	{"page past end", `page 9 pagesize 4`, `{"page":9,"pageSize":4}`, []string{}},
}

func TestFixtureQueries(t *testing.T) {
	checkCases(t, loadExport(t), fixtureCases)
}
