package sample

import (
	"bytes"
	"encoding/json"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// exported is an item JSON as the test reads it back.
type exported struct {
	ID        string `json:"id"`
	DatasetID string `json:"datasetId"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
	Dir       string `json:"dir"`
	Filename  string `json:"filename"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	Hidden    *bool  `json:"hidden"`
	Metadata  struct {
		System struct {
			OriginalName string `json:"originalname"`
			Size         int64  `json:"size"`
			Mimetype     string `json:"mimetype"`
			Width        int    `json:"width"`
			Height       int    `json:"height"`
			Channels     int    `json:"channels"`
			Encoding     string `json:"encoding"`
		} `json:"system"`
		User map[string]any `json:"user"`
	} `json:"metadata"`
	Annotated        bool                 `json:"annotated"`
	AnnotationsCount int                  `json:"annotationsCount"`
	Annotations      []exportedAnnotation `json:"annotations"`
}

type exportedAnnotation struct {
	ID          string          `json:"id"`
	ItemID      string          `json:"itemId"`
	DatasetID   string          `json:"datasetId"`
	Type        string          `json:"type"`
	Label       string          `json:"label"`
	Coordinates json.RawMessage `json:"coordinates"`
	Metadata    struct {
		System map[string]any `json:"system"`
		User   struct {
			Color string `json:"color"`
		} `json:"user"`
	} `json:"metadata"`
	CreatedAt string `json:"createdAt"`
}

var hexID = regexp.MustCompile(`^[0-9a-f]{24}$`)

const timeLayout = "2006-01-02T15:04:05.000Z"

func TestGenerate(t *testing.T) {
	dest := t.TempDir()
	stats, err := Generate(dest, 24, 7)
	if err != nil {
		t.Fatal(err)
	}

	items := readExport(t, dest)
	if stats.Items != 24 || len(items) != 24 {
		t.Fatalf("stats %+v, %d JSON files; want 24 items", stats, len(items))
	}
	annotations, datasets, ids := 0, map[string]bool{}, map[string]bool{}
	for jsonPath, it := range items {
		t.Run(it.Filename, func(t *testing.T) {
			checkItem(t, dest, jsonPath, it)
			checkAnnotations(t, dest, it)
		})
		annotations += len(it.Annotations)
		datasets[it.DatasetID] = true
		for _, id := range append(annotationIDs(it), it.ID) {
			if ids[id] {
				t.Errorf("id %s used twice", id)
			}
			ids[id] = true
		}
	}
	if stats.Annotations != annotations {
		t.Errorf("stats count %d annotations, the JSON holds %d", stats.Annotations, annotations)
	}
	if len(datasets) != 1 {
		t.Errorf("items name %d datasets, want 1", len(datasets))
	}
}

// readExport parses every JSON file under dest/json, keyed by its path
// relative to dest/json.
func readExport(t *testing.T, dest string) map[string]exported {
	t.Helper()
	items := map[string]exported{}
	root := filepath.Join(dest, "json")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var it exported
		if err := json.Unmarshal(data, &it); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		rel, _ := filepath.Rel(root, p)
		items["/"+filepath.ToSlash(rel)] = it
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func annotationIDs(it exported) []string {
	var ids []string
	for _, a := range it.Annotations {
		ids = append(ids, a.ID)
	}
	return ids
}

// checkItem compares an item's JSON with its binary and the export layout.
func checkItem(t *testing.T, dest, jsonPath string, it exported) {
	ext := path.Ext(it.Filename)
	if want := strings.TrimSuffix(it.Filename, ext) + ".json"; jsonPath != want {
		t.Errorf("JSON at %s, want %s", jsonPath, want)
	}
	if it.Dir != path.Dir(it.Filename) || it.Name != path.Base(it.Filename) ||
		it.Type != "file" || it.Hidden == nil || *it.Hidden {
		t.Errorf("dir %q name %q type %q hidden %v do not fit %s",
			it.Dir, it.Name, it.Type, it.Hidden, it.Filename)
	}
	if !hexID.MatchString(it.ID) || !hexID.MatchString(it.DatasetID) {
		t.Errorf("ids %q %q are not 24 hex digits", it.ID, it.DatasetID)
	}
	for _, ts := range []string{it.CreatedAt, it.UpdatedAt} {
		if _, err := time.Parse(timeLayout, ts); err != nil {
			t.Errorf("timestamp %q: %v", ts, err)
		}
	}

	data, err := os.ReadFile(filepath.Join(dest, "items", filepath.FromSlash(it.Filename)))
	if err != nil {
		t.Fatal(err)
	}
	sys := it.Metadata.System
	if sys.Size != int64(len(data)) {
		t.Errorf("size %d, file has %d bytes", sys.Size, len(data))
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if sys.Width != cfg.Width || sys.Height != cfg.Height || sys.Channels != 3 ||
		sys.Mimetype != "image/"+format || sys.Encoding != "7bit" || sys.OriginalName != it.Name {
		t.Errorf("system metadata %+v, file is %s %dx%d", sys, format, cfg.Width, cfg.Height)
	}
	if map[string]string{".png": "png", ".jpg": "jpeg"}[ext] != format {
		t.Errorf("extension %s holds %s", ext, format)
	}

	user := it.Metadata.User
	split := strings.Split(it.Dir, "/")[1]
	if user["split"] != split {
		t.Errorf("user split %v, item is under %s", user["split"], it.Dir)
	}
	if d, _ := user["difficulty"].(float64); d < 1 || d > 3 {
		t.Errorf("user difficulty %v", user["difficulty"])
	}
	if _, ok := user["reviewed"].(bool); !ok {
		t.Errorf("user reviewed %v is not a boolean", user["reviewed"])
	}
	if it.AnnotationsCount != len(it.Annotations) || it.Annotated != (len(it.Annotations) > 0) {
		t.Errorf("annotated %v count %d, %d annotations",
			it.Annotated, it.AnnotationsCount, len(it.Annotations))
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, run := range []struct {
		dir  string
		seed int64
	}{{a, 3}, {b, 3}, {c, 4}} {
		if _, err := Generate(run.dir, 6, run.seed); err != nil {
			t.Fatal(err)
		}
	}
	same, differ := treeBytes(t, a), treeBytes(t, b)
	if len(same) != 12 {
		t.Fatalf("%d files, want 6 items and 6 JSON files", len(same))
	}
	for name, data := range same {
		if !bytes.Equal(data, differ[name]) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	const first = "/json/train/shapes/img_0000.json"
	if bytes.Equal(treeBytes(t, c)[first], same[first]) {
		t.Error("seeds 3 and 4 gave the same first item")
	}
}

// treeBytes reads every file under dir, keyed by slash path from dir.
func treeBytes(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files["/"+filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestGenerateRejectsBadInput(t *testing.T) {
	if _, err := Generate(t.TempDir(), 0, 1); err == nil {
		t.Error("zero items accepted")
	}
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(blocked, 2, 1); err == nil {
		t.Error("a destination that is a file was accepted")
	}
}
