package fs

import (
	"testing"
	"time"
)

func TestXattrCacheExpiresAndStaysBounded(t *testing.T) {
	c := newXattrCache(50 * time.Millisecond)
	c.put("a", []xattr{{"user.dl.id", []byte("1")}})
	if got, ok := c.get("a"); !ok || string(got[0].value) != "1" {
		t.Fatalf("fresh entry: %v, %v", got, ok)
	}
	time.Sleep(60 * time.Millisecond)
	if _, ok := c.get("a"); ok {
		t.Error("an expired entry was served")
	}
	for i := 0; i < xattrCacheSize+10; i++ {
		c.put(string(rune(i)), nil)
	}
	if n := len(c.entries); n > xattrCacheSize {
		t.Errorf("%d entries, bound %d", n, xattrCacheSize)
	}
}
