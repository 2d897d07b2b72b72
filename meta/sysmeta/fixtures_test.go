package sysmeta

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlfs/dlfs/internal/fixtures"
)

func fixturesDir(t *testing.T) string { return fixtures.Path(t) }

// fixtureItem is the part of an exported item JSON this test compares.
type fixtureItem struct {
	Filename string `json:"filename"`
	Metadata struct {
		System map[string]any `json:"system"`
	} `json:"metadata"`
}

func TestProbeFixtures(t *testing.T) {
	export := filepath.Join(fixturesDir(t), "dataloop-export")
	jsons, err := filepath.Glob(filepath.Join(export, "json", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := filepath.Glob(filepath.Join(export, "json", "sub", "*.json"))
	jsons = append(jsons, sub...)
	if len(jsons) < 15 {
		t.Fatalf("found %d fixture JSON files, want 15", len(jsons))
	}

	for _, jsonPath := range jsons {
		raw, err := os.ReadFile(jsonPath)
		if err != nil {
			t.Fatal(err)
		}
		var item fixtureItem
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&item); err != nil {
			t.Fatalf("%s: %v", jsonPath, err)
		}
		t.Run(strings.TrimPrefix(item.Filename, "/"), func(t *testing.T) {
			checkFixture(t, filepath.Join(export, "items", item.Filename), item.Metadata.System)
		})
	}
}

// checkFixture probes one fixture file and compares the facts Dataloop
// recorded for it.
func checkFixture(t *testing.T, file string, want map[string]any) {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Probe(f, st.Size(), filepath.Base(file))
	if err != nil {
		t.Fatal(err)
	}

	for _, key := range []string{"originalname", "size", "mimetype", "width", "height",
		"channels", "isBinary", "encoding"} {
		w, ok := want[key]
		if !ok {
			continue
		}
		if key == "width" || key == "height" {
			if _, isImage := want["channels"]; !isImage {
				continue // video dimensions are not probed
			}
		}
		if g := jsonOf(t, got[key]); g != jsonOf(t, w) {
			t.Errorf("%s: got %s, want %s", key, g, jsonOf(t, w))
		}
	}

	// Dataloop writes {} when a file has no EXIF orientation; dlfs writes
	// the default, 1.
	if exif, ok := want["exif"].(map[string]any); ok {
		wantOrientation := "1"
		if o, ok := exif["Orientation"]; ok {
			wantOrientation = jsonOf(t, o)
		}
		gotExif, _ := got["exif"].(map[string]any)
		if g := jsonOf(t, gotExif["Orientation"]); g != wantOrientation {
			t.Errorf("exif Orientation: got %s, want %s", g, wantOrientation)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
