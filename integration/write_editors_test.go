package integration

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// editCase is one way of saving X.annotations.json, and what the item's
// annotations must be afterwards, derived from the fixture.
type editCase struct {
	name  string
	item  string // item path in the dataset
	edit  func(t *testing.T, sidecar string)
	check func(t *testing.T, fixture, got []map[string]any)
}

// renamed checks that every annotation labelled from now has label to,
// and the rest is unchanged, ids included.
func renamed(from, to string) func(t *testing.T, fixture, got []map[string]any) {
	return func(t *testing.T, fixture, got []map[string]any) {
		t.Helper()
		if len(got) != len(fixture) {
			t.Fatalf("%d annotations, want %d", len(got), len(fixture))
		}
		want := labelCount(fixture, from)
		if want == 0 {
			t.Fatalf("fixture has no %q label", from)
		}
		if n := labelCount(got, to); n != want {
			t.Errorf("%d annotations labelled %q, want %d", n, to, want)
		}
		if n := labelCount(got, from); n != 0 {
			t.Errorf("%d annotations still labelled %q", n, from)
		}
		for i := range fixture {
			if got[i]["id"] != fixture[i]["id"] || got[i]["type"] != fixture[i]["type"] {
				t.Errorf("annotation %d: id %v type %v, want %v %v", i, got[i]["id"],
					got[i]["type"], fixture[i]["id"], fixture[i]["type"])
			}
		}
	}
}

// unchanged checks that the stored annotations are the fixture's.
func unchanged(t *testing.T, fixture, got []map[string]any) {
	t.Helper()
	if len(got) != len(fixture) {
		t.Fatalf("%d annotations, want the %d stored before", len(got), len(fixture))
	}
	for i := range fixture {
		if got[i]["id"] != fixture[i]["id"] || got[i]["label"] != fixture[i]["label"] {
			t.Errorf("annotation %d changed: %v", i, got[i])
		}
	}
}

func TestWriteAnnotationEditors(t *testing.T) {
	for _, tool := range []string{"python3", "sed", "vim", "nano"} {
		requireTool(t, tool)
	}
	s, m, src := writeMount(t)
	cases := editorCases(t, src)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.edit(t, filepath.Join(m.Dir, c.item)+sidecarSuffix) })
	}
	// A new array is read back at once, with ids added.
	var now []map[string]any
	data, err := os.ReadFile(filepath.Join(m.Dir, "000000000034.jpg") + sidecarSuffix)
	if err != nil || json.Unmarshal(data, &now) != nil || len(now) != 1 || now[0]["id"] == nil {
		t.Errorf("sidecar right after python wrote it: %v %s", err, data)
	}
	m.Stop()

	for _, c := range cases {
		t.Run(c.name+"/stored", func(t *testing.T) {
			fixture := fixtureAnnotations(t, filepath.Join(src, "json",
				strings.TrimSuffix(c.item, filepath.Ext(c.item))+".json"))
			c.check(t, fixture, annotationsOf(t, s, "w", "/"+c.item))
		})
	}
	it := showItem(t, s, "w", "/000000000034.jpg")
	if it["annotationsCount"] != 1.0 || it["annotated"] != true {
		t.Errorf("after one annotation was written: annotationsCount %v annotated %v",
			it["annotationsCount"], it["annotated"])
	}
	if _, _, code := s.Run("show", "--dataset", "w", "/tmp-cat.annotations.json"); code == 0 {
		t.Errorf("the temporary file renamed over a sidecar is still an item")
	}
}

const sidecarSuffix = ".annotations.json"

func editorCases(t *testing.T, src string) []editCase {
	return []editCase{
		{"python json.dump", "000000000034.jpg", func(t *testing.T, p string) {
			sh(t, "python3", "-c", `import json, sys
anns = [{"type": "point", "label": "py", "coordinates": {"x": 1, "y": 2}}]
json.dump(anns, open(sys.argv[1], "w"))`, p)
		}, func(t *testing.T, _, got []map[string]any) {
			if len(got) != 1 || got[0]["label"] != "py" || got[0]["id"] == nil || got[0]["id"] == "" {
				t.Errorf("annotations %v, want one point labelled py with an id", got)
			}
		}},
		{"sed -i", "000000000009.jpg", func(t *testing.T, p string) {
			sh(t, "sed", "-i", `s/"orange"/"sed-orange"/`, p)
		}, renamed("orange", "sed-orange")},
		{"vim batch", "000000000036.jpg", func(t *testing.T, p string) {
			sh(t, "vim", "-E", "-s", "-c", `%s/"person"/"vim-batch"/g`, "-c", "wq", p)
		}, renamed("person", "vim-batch")},
		{"vim terminal", "sub/000000000061.jpg", func(t *testing.T, p string) {
			onTerminal(t, []string{"vim", p}, `:%s/"elephant"/"vim-pty"/g`+"\r", ":wq\r")
		}, renamed("elephant", "vim-pty")},
		{"nano terminal", "sub/000000000074.jpg", func(t *testing.T, p string) {
			// ^\ replace, search, replacement, All; ^O Enter writes, ^X quits.
			onTerminal(t, []string{"nano", p}, "\x1c", `"person"`+"\r", `"nano"`+"\r", "a",
				"\x0f", "\r", "\x18")
		}, renamed("person", "nano")},
		{"cp other.json", "000000000042.jpg", func(t *testing.T, p string) {
			other := filepath.Join(t.TempDir(), "other.json")
			anns := fixtureAnnotations(t, filepath.Join(src, "json", "000000000030.json"))
			data, _ := json.Marshal(anns)
			os.WriteFile(other, data, 0o644)
			sh(t, "cp", other, p)
		}, func(t *testing.T, _, got []map[string]any) {
			want := fixtureAnnotations(t, filepath.Join(src, "json", "000000000030.json"))
			if len(got) != len(want) || labelCount(got, "vase") != labelCount(want, "vase") {
				t.Errorf("annotations %v, want those of 000000000030.jpg", got)
			}
		}},
		{"invalid JSON refused", "000000000025.jpg", func(t *testing.T, p string) {
			for _, bad := range []string{"{not json", `[{"label": "no type"}]`, `{"type": "box"}`} {
				msg := shErr(t, "python3", "-c",
					"import sys\nwith open(sys.argv[1], 'w') as f: f.write(sys.argv[2])", p, bad)
				if !strings.Contains(msg, "Invalid argument") {
					t.Errorf("writing %q: %q, want EINVAL", bad, msg)
				}
			}
		}, unchanged},
		{"temp file renamed over", "cat.jpg", func(t *testing.T, p string) {
			dir := filepath.Dir(p)
			script := `cd "$0" && echo x > 4913 && rm 4913 &&
echo '[{"type": "box", "label": "tmp"}]' > tmp-cat.annotations.json &&
mv tmp-cat.annotations.json cat.jpg.annotations.json`
			sh(t, "sh", "-c", script, dir)
		}, func(t *testing.T, _, got []map[string]any) {
			if len(got) != 1 || got[0]["label"] != "tmp" {
				t.Errorf("annotations %v, want the one of the temporary file", got)
			}
		}},
	}
}

// onTerminal runs an editor on a pseudo-terminal, types keys with pauses
// for it to draw, and waits for it to exit.
func onTerminal(t *testing.T, argv []string, keys ...string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatalf("start %s on a terminal: %v", argv[0], err)
	}
	defer tty.Close()
	screen := &syncBuffer{}
	go io.Copy(screen, tty)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(700 * time.Millisecond)
	for _, k := range keys {
		if _, err := tty.Write([]byte(k)); err != nil {
			t.Fatalf("type into %s: %v", argv[0], err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s: %v", argv[0], err)
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%s did not exit; screen:\n%s", argv[0], screen)
	}
}
