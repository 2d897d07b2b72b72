package meta

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/dlfs/dlfs/internal/fixtures"
)

// ItemFromMap must build exactly what UnmarshalJSON builds.
func TestItemFromMapEqualsUnmarshal(t *testing.T) {
	files, _ := filepath.Glob(fixtures.Path(t, "dataloop-export", "json", "*", "*.json"))
	top, _ := filepath.Glob(fixtures.Path(t, "dataloop-export", "json", "*.json"))
	files = append(files, top...)
	if len(files) != 15 {
		t.Fatalf("%d fixture JSONs, want 15", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var want Item
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		raw, _ := DecodeObject(data)
		got, err := ItemFromMap(raw)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// Equal in meaning: extra fields may differ in key order.
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(&want)
		var ga, gb any
		json.Unmarshal(a, &ga)
		json.Unmarshal(b, &gb)
		if !reflect.DeepEqual(got.Metadata, want.Metadata) || !reflect.DeepEqual(ga, gb) {
			t.Errorf("%s: ItemFromMap and UnmarshalJSON differ", f)
		}
	}
	for _, bad := range []string{`{"id": 5}`, `{"hidden": "yes"}`, `{"metadata": []}`,
		`{"annotationsCount": 1.5}`} {
		raw, _ := DecodeObject([]byte(bad))
		if _, err := ItemFromMap(raw); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
