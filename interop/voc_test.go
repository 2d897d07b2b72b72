package interop

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVOCRoundTripFixture(t *testing.T) {
	images := loadDataloopExport(t)
	dir := t.TempDir()
	problems, err := WriteVOC(dir, images)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, problems, nonBoxProblems(images, "voc"))

	got, problems, err := ReadVOC(dir, byPath(images))
	if err != nil || len(problems) > 0 {
		t.Fatalf("ReadVOC: %v %v", problems, err)
	}
	n := 0
	for _, im := range images {
		sameBoxes(t, im.Path, boxesOnly(im.Annotations), got[im.Path], 0.01)
		n += len(got[im.Path])
	}
	if n == 0 {
		t.Fatal("no box came back")
	}
}

func TestWriteVOCLayout(t *testing.T) {
	img := Image{Path: "/sub/a.jpg", Width: 200, Height: 100, Orientation: 6,
		Annotations: []map[string]any{newBox("cat", rect{1.5, 2, 30, 40})}}
	dir := t.TempDir()
	if _, err := WriteVOC(dir, []Image{img}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "sub", "a.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName  xml.Name `xml:"annotation"`
		Folder   string   `xml:"folder"`
		Filename string   `xml:"filename"`
		Width    string   `xml:"size>width"`
		Height   string   `xml:"size>height"`
		Objects  []struct {
			Name string `xml:"name"`
			XMin string `xml:"bndbox>xmin"`
			YMax string `xml:"bndbox>ymax"`
		} `xml:"object"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	// Orientation 6 shows the 200x100 image 100 wide and 200 high.
	if doc.Folder != "sub" || doc.Filename != "a.jpg" || doc.Width != "100" ||
		doc.Height != "200" || len(doc.Objects) != 1 || doc.Objects[0].Name != "cat" ||
		doc.Objects[0].XMin != "1.5" || doc.Objects[0].YMax != "40" {
		t.Errorf("wrote %s", data)
	}
}

func TestReadVOCProblems(t *testing.T) {
	dir := t.TempDir()
	obj := func(name, xmin, ymin, xmax, ymax string) string {
		return "<object><name>" + name + "</name><bndbox><xmin>" + xmin + "</xmin><ymin>" +
			ymin + "</ymin><xmax>" + xmax + "</xmax><ymax>" + ymax + "</ymax></bndbox></object>"
	}
	files := map[string]string{
		"sub/a.xml": "<annotation><filename>a.jpg</filename>" +
			"<size><width>90</width><height>50</height></size>" +
			obj("cat", "10", "10", "20", "20") + // object[0]: good
			obj("", "10", "10", "20", "20") + // object[1]: no name
			obj("cat", "10", "ten", "20", "20") + // object[2]: bad number
			obj("cat", "10", "10", "120", "20") + // object[3]: outside 100x50
			obj("cat", "30", "10", "20", "20") + // object[4]: max before min
			obj("dog", " 0 ", "0", "100", "50") + // object[5]: good, whole image
			"</annotation>",
		"orphan.xml": "<annotation></annotation>",
		"junk.xml":   "<annotation><object>",
	}
	for rel, body := range files {
		if err := writeFile(dir, rel, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	images := map[string]Image{
		"/sub/a.jpg": {Path: "/sub/a.jpg", Width: 100, Height: 50},
		"/junk.png":  {Path: "/junk.png", Width: 10, Height: 10},
	}
	got, problems, err := ReadVOC(dir, images)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, problems, map[string]string{
		"a.xml|size":      "size 90x50 differs from item /sub/a.jpg (100x50)",
		"a.xml|object[1]": "no name",
		"a.xml|object[2]": `malformed bndbox value "ten"`,
		"a.xml|object[3]": "outside the 100x50 image",
		"a.xml|object[4]": "before min",
		"orphan.xml|":     "no item matches",
		"junk.xml|":       "not a voc annotation",
	})
	want := []map[string]any{newBox("cat", rect{10, 10, 20, 20}), newBox("dog", rect{0, 0, 100, 50})}
	sameBoxes(t, "/sub/a.jpg", want, got["/sub/a.jpg"], 0)
	if len(got) != 1 {
		t.Errorf("boxes for %d items, want 1", len(got))
	}
	if _, _, err := ReadVOC(filepath.Join(dir, "absent"), images); err == nil ||
		!strings.Contains(err.Error(), "read voc") {
		t.Errorf("reading a missing folder gave %v", err)
	}
}
