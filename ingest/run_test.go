package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An export larger than one batch, whose items are big enough that a
// whole batch does not fit one catalog transaction, is imported whole:
// every item, with its annotations, and no problems.
func TestImportSplitsBatchesTooBigForATransaction(t *testing.T) {
	im, cat, ds := testImporter(t)
	src := t.TempDir()
	const n = batchItems + 76
	pad := strings.Repeat("x", 3000) // under the value threshold: kept in the LSM
	files := map[string]string{}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("d%d/img%05d.jpg", i%3, i)
		files["items/"+name] = "bytes"
		files["json/"+strings.TrimSuffix(name, ".jpg")+".json"] = fmt.Sprintf(`{
			"id": "%024x", "filename": "/%s", "type": "file",
			"metadata": {"system": {"mimetype": "image/jpeg", "size": 5}, "pad": %q},
			"annotations": [{"id": "%024x", "type": "class", "label": "l%d",
				"metadata": {"pad": %q}}]}`, i+1, name, pad, i+1<<32, i, pad)
	}
	writeTree(t, src, files)
	res, err := im.Import(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 0 || res.Items != n || res.Annotations != n {
		t.Fatalf("imported %d items, %d annotations, problems %v; want %d, %d, none",
			res.Items, res.Annotations, res.Problems, n, n)
	}
	for _, i := range []int{0, batchItems - 1, batchItems, n - 1} {
		name := fmt.Sprintf("/d%d/img%05d.jpg", i%3, i)
		rec, err := cat.ItemByPath(ds, name)
		if err != nil {
			t.Fatalf("item %s: %v", name, err)
		}
		anns, err := cat.Annotations(ds.ID, rec.Item.ID)
		if err != nil || len(anns) != 1 || anns[0]["label"] != fmt.Sprintf("l%d", i) {
			t.Errorf("annotations of %s = %v, %v; want one labelled l%d", name, anns, err, i)
		}
	}
	if _, err := os.Stat(filepath.Join(src, "items")); err != nil {
		t.Fatal(err)
	}
}
