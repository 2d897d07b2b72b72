package query

import "strings"

// pattern is a compiled wildcard string. In a pattern that starts with '/'
// (a path such as a filename or dir), '*' matches within one path element
// and '**' crosses '/'. In any other pattern (such as a mimetype, "image*")
// every run of stars matches any text.
type pattern struct {
	parts  []patternPart
	prefix string // literal text before the first star
}

// patternPart is a literal run of text or a star.
type patternPart struct {
	lit   string
	star  bool
	cross bool // the star may match '/'
}

// compilePattern returns the pattern of s, or nil when s holds no '*'.
func compilePattern(s string) *pattern {
	if !strings.Contains(s, "*") {
		return nil
	}
	isPath := strings.HasPrefix(s, "/")
	p := &pattern{prefix: s[:strings.IndexByte(s, '*')]}
	for len(s) > 0 {
		i := strings.IndexByte(s, '*')
		if i < 0 {
			p.parts = append(p.parts, patternPart{lit: s})
			break
		}
		if i > 0 {
			p.parts = append(p.parts, patternPart{lit: s[:i]})
		}
		n := len(s[i:]) - len(strings.TrimLeft(s[i:], "*"))
		p.parts = append(p.parts, patternPart{star: true, cross: n > 1 || !isPath})
		s = s[i+n:]
	}
	return p
}

// match reports whether s matches the whole pattern. It runs in time
// proportional to len(s) times the number of parts, whatever the stars.
func (p *pattern) match(s string) bool {
	if len(p.parts) == 2 && p.parts[1].star && p.parts[1].cross {
		return strings.HasPrefix(s, p.prefix) // "image*", "/train/**"
	}
	// can[j] reports whether the parts so far match s[:j].
	can := make([]bool, len(s)+1)
	next := make([]bool, len(s)+1)
	can[0] = true
	for _, part := range p.parts {
		clear(next)
		for j := 0; j <= len(s); j++ {
			switch {
			case part.star:
				next[j] = can[j] || (j > 0 && next[j-1] && (part.cross || s[j-1] != '/'))
			case can[j] && strings.HasPrefix(s[j:], part.lit):
				next[j+len(part.lit)] = true
			}
		}
		can, next = next, can
	}
	return can[len(s)]
}
