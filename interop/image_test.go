package interop

import "testing"

func TestDisplaySize(t *testing.T) {
	for o := 0; o <= 8; o++ {
		w, h := Image{Width: 40, Height: 30, Orientation: o}.DisplaySize()
		swapped := o >= 5
		if swapped && (w != 30 || h != 40) || !swapped && (w != 40 || h != 30) {
			t.Errorf("orientation %d: %dx%d", o, w, h)
		}
	}
}

func TestProblemString(t *testing.T) {
	if got := (Problem{"a.txt", "line 3", "bad"}).String(); got != "a.txt: line 3: bad" {
		t.Errorf("String = %q", got)
	}
	if got := (Problem{"a.txt", "", "no item"}).String(); got != "a.txt: no item" {
		t.Errorf("String = %q", got)
	}
}

func TestSidecarPath(t *testing.T) {
	for in, want := range map[string]string{
		"/sub/a.jpg":   "sub/a.txt",
		"/a.b.png":     "a.b.txt",
		"/noext":       "noext.txt",
		"/d.x/noext":   "d.x/noext.txt",
		"/sub/.hidden": "sub/.hidden.txt",
	} {
		if got := sidecarPath(in, ".txt"); got != want {
			t.Errorf("sidecarPath(%q) = %q, want %q", in, got, want)
		}
	}
}
