package ingest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlfs/dlfs/internal/fixtures"
	"github.com/dlfs/dlfs/meta"
)

func fixturesDir(t *testing.T) string { return fixtures.Path(t) }

// cocoFixtureCounts reads the fixture's image and annotation counts.
func cocoFixtureCounts(t *testing.T, file string) (images, anns int) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Images      []any `json:"images"`
		Annotations []any `json:"annotations"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return len(doc.Images), len(doc.Annotations)
}

func TestImportForeignCOCOFixture(t *testing.T) {
	fix := filepath.Join(fixturesDir(t), "coco")
	file := filepath.Join(fix, "coco", "annotations.json")
	wantImages, wantAnns := cocoFixtureCounts(t, file)
	im, cat, ds := testImporter(t)
	res, err := im.ImportForeign(context.Background(), FormatCOCO, file,
		filepath.Join(fix, "images"))
	if err != nil {
		t.Fatal(err)
	}
	// Every polygon of the fixture has one ring, so each COCO annotation is
	// one Dataloop annotation.
	if res.Items != wantImages || res.Annotations != wantAnns || len(res.Problems) != 0 {
		t.Fatalf("result %+v, want %d items and %d annotations", res, wantImages, wantAnns)
	}
	ids := annotationIDs(t, cat, ds)
	if len(ids) != wantAnns {
		t.Errorf("%d annotations stored, want %d", len(ids), wantAnns)
	}

	// Imported again, nothing changes: not even the annotation ids.
	res, err = im.ImportForeign(context.Background(), FormatCOCO, file,
		filepath.Join(fix, "images"))
	if err != nil || res.Unchanged != wantImages || len(res.Problems) != 0 {
		t.Fatalf("second import: %+v, %v", res, err)
	}
	again := annotationIDs(t, cat, ds)
	for id := range ids {
		if !again[id] {
			t.Errorf("annotation %s is gone after the second import", id)
		}
	}
}

// annotationIDs returns the ids of every stored annotation of ds, checking
// each item's annotationsCount.
func annotationIDs(t *testing.T, cat *meta.Catalog, ds *meta.Dataset) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	err := cat.Items(ds.ID, func(rec *meta.Record) error {
		anns, err := cat.Annotations(ds.ID, rec.Item.ID)
		for _, a := range anns {
			ids[a.ID()] = true
		}
		if rec.Item.AnnotationsCount != len(anns) {
			t.Errorf("%s: annotationsCount %d, %d stored", rec.Item.Filename,
				rec.Item.AnnotationsCount, len(anns))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestImportForeignYOLOProblems(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, map[string]string{
		"labels/labels.txt": "cat\ndog\n",
		"labels/a.txt":      "1 0.5 0.5 0.5 0.5\n7 0.5 0.5 0.1 0.1\n",
		"labels/nobody.txt": "0 0.5 0.5 0.1 0.1\n",
		"images/a.txt":      "not an image, so no boxes for it",
	})
	im, _, _ := testImporter(t)
	res, err := im.ImportForeign(context.Background(), FormatYOLO,
		filepath.Join(src, "labels"), filepath.Join(src, "images"))
	if err != nil {
		t.Fatal(err)
	}
	// a.txt is the sidecar of the item /a.txt, which is not an image: its
	// file matches no image item, and neither does nobody.txt.
	if res.Items != 1 || res.Annotations != 0 || len(res.Problems) != 2 {
		t.Fatalf("result %+v, want 1 item and 2 problems", res)
	}
	for _, p := range res.Problems {
		if !strings.Contains(p.Reason, "no item matches this file") {
			t.Errorf("problem %v", p)
		}
	}
}

func TestImportForeignRefusesWrongInputs(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"ann.json": "{}", "labels/labels.txt": "a\n",
		"images/x.txt": "x"})
	images := filepath.Join(dir, "images")
	cases := []struct{ format, ann, want string }{
		{"tfrecord", filepath.Join(dir, "ann.json"), "unknown annotation format"},
		{FormatCOCO, filepath.Join(dir, "labels"), "one JSON file, not a folder"},
		{FormatYOLO, filepath.Join(dir, "ann.json"), "a folder, not a file"},
		{FormatVOC, filepath.Join(dir, "missing"), "no such file"},
	}
	for _, c := range cases {
		im, _, _ := testImporter(t)
		_, err := im.ImportForeign(context.Background(), c.format, c.ann, images)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, want %q", c.format, c.ann, err, c.want)
		}
	}
}

func TestForeignLayout(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"images/a.jpg": "x", "annotations.json": "{}"})
	images, ann, ok := ForeignLayout(FormatCOCO, dir)
	if !ok || images != filepath.Join(dir, "images") ||
		ann != filepath.Join(dir, "annotations.json") {
		t.Errorf("coco layout: %q %q %v", images, ann, ok)
	}
	if _, _, ok := ForeignLayout(FormatYOLO, dir); ok {
		t.Error("a folder without labels/ is taken for a YOLO layout")
	}
}

// Each older export shape imports: ids from "_id" and "annotationId",
// metadata from "itemMetadata", a bare annotations file by path.
func TestImportOlderShapes(t *testing.T) {
	cases := []struct {
		name, json, jsonPath, itemPath string
		id, annID, user                string
	}{
		{"_id filename annotations itemMetadata",
			`{"_id": "` + idOne + `", "filename": "/one.txt", "itemMetadata": {"user": {"k": "v"}},
			  "annotations": [{"_id": "` + idTwo + `", "type": "class", "label": "x"}]}`,
			"one.json", "/one.txt", idOne, idTwo, "v"},
		{"_id filename annotations",
			`{"_id": "` + idOne + `", "filename": "/one.txt",
			  "annotations": [{"annotationId": "` + idTwo + `", "type": "class", "label": "x"}]}`,
			"one.json", "/one.txt", idOne, idTwo, ""},
		{"bare annotations, V2 name",
			`{"annotations": [{"type": "class", "label": "x"}]}`,
			"sub/one.txt.json", "/sub/one.txt", "", "", ""},
		{"bare annotations, V1 name",
			`{"annotations": [{"type": "class", "label": "x"}]}`,
			"sub/one.json", "/sub/one.txt", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := t.TempDir()
			writeTree(t, src, map[string]string{"items" + c.itemPath: "bytes",
				"json/" + c.jsonPath: c.json})
			im, cat, ds := testImporter(t)
			res, err := im.Import(context.Background(), src)
			if err != nil || res.Items != 1 || res.Annotations != 1 || len(res.Problems) != 0 {
				t.Fatalf("import: %+v, %v", res, err)
			}
			rec, err := cat.ItemByPath(ds, c.itemPath)
			if err != nil {
				t.Fatal(err)
			}
			if (c.id != "" && rec.Item.ID != c.id) || rec.Item.Extra["_id"] != nil {
				t.Errorf("item id %s (extra %v), want %s", rec.Item.ID, rec.Item.Extra, c.id)
			}
			user, _ := rec.Item.Metadata["user"].(map[string]any)
			if got, _ := user["k"].(string); got != c.user {
				t.Errorf("metadata.user.k %q, want %q", got, c.user)
			}
			anns, _ := cat.Annotations(ds.ID, rec.Item.ID)
			if len(anns) != 1 || !meta.IsID(anns[0].ID()) || (c.annID != "" &&
				anns[0].ID() != c.annID) || anns[0]["_id"] != nil || anns[0]["annotationId"] != nil {
				t.Errorf("annotations %v, want one with id %q", anns, c.annID)
			}
		})
	}
}
