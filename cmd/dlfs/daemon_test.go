package main

import (
	"slices"
	"testing"
)

func TestDaemonArgsDropOnlyTheDaemonFlag(t *testing.T) {
	cases := []struct{ in, want []string }{
		{[]string{"mount", "--daemon", "-d", "x", "m"}, []string{"mount", "-d", "x", "m"}},
		{[]string{"--store", "s", "mount", "-D", "--daemon=true", "m"},
			[]string{"--store", "s", "mount", "m"}},
		{[]string{"mount", "daemon"}, []string{"mount", "daemon"}}, // a mount point
	}
	for _, c := range cases {
		if got := daemonArgs(c.in); !slices.Equal(got, c.want) {
			t.Errorf("daemonArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestStatusTexts(t *testing.T) {
	for n, want := range map[int64]string{0: "0B", 1023: "1023B", 1536: "1.5KiB", 3 << 30: "3.0GiB"} {
		if got := bytesText(n); got != want {
			t.Errorf("bytesText(%d) = %q, want %q", n, got, want)
		}
	}
	got := opsText(10, map[string]uint64{"read": 5, "lookup": 3, "open": 1, "getattr": 1})
	if want := "10 (read=5 lookup=3 getattr=1)"; got != want {
		t.Errorf("opsText = %q, want %q", got, want)
	}
	for spec, want := range map[string]string{"": "local", "local": "local",
		"link:/data": "link", "s3://b/p?x=1": "s3"} {
		if got := backendKind(spec); got != want {
			t.Errorf("backendKind(%q) = %q, want %q", spec, got, want)
		}
	}
}
