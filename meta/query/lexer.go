package query

import (
	"regexp"
	"strconv"
	"strings"
)

// tokenKind tells the tokens of the short form apart.
type tokenKind int

const (
	tokEOF    tokenKind = iota
	tokWord             // a bare word: field, keyword, number or value
	tokString           // a "quoted string", unquoted in text
	tokOp               // = == != > >= < <=
	tokLParen           // (
	tokRParen           // )
	tokComma            // ,
)

// token is one lexeme with its 0-based byte offset.
type token struct {
	kind tokenKind
	text string // the word, the unquoted string or the operator
	raw  string // the text as written, for messages
	off  int
}

// describe names the token for "found ..." in messages.
func (t token) describe() string {
	if t.kind == tokEOF {
		return "end of query"
	}
	return strconv.Quote(t.raw)
}

// wordStops are the bytes that end a bare word besides blanks.
const wordStops = `()",=!<>`

// isBlank reports whether b separates tokens.
func isBlank(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// lex splits a short-form query into tokens, ending with tokEOF.
func lex(s string) ([]token, error) {
	var toks []token
	i := 0
	for {
		for i < len(s) && isBlank(s[i]) {
			i++
		}
		if i == len(s) {
			return append(toks, token{kind: tokEOF, off: i}), nil
		}
		t, err := lexOne(s, i)
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		i += len(t.raw)
	}
}

// lexOne reads the token starting at s[i], which is not blank.
func lexOne(s string, i int) (token, error) {
	switch c := s[i]; c {
	case '(':
		return token{kind: tokLParen, text: "(", raw: "(", off: i}, nil
	case ')':
		return token{kind: tokRParen, text: ")", raw: ")", off: i}, nil
	case ',':
		return token{kind: tokComma, text: ",", raw: ",", off: i}, nil
	case '"':
		return lexString(s, i)
	case '=', '!', '<', '>':
		op := s[i : i+1]
		if i+1 < len(s) && s[i+1] == '=' {
			op = s[i : i+2]
		}
		if op == "!" {
			return token{}, posErrorf(i, `expected "!=", found "!" alone`)
		}
		text := op
		if op == "==" {
			text = "="
		}
		return token{kind: tokOp, text: text, raw: op, off: i}, nil
	}
	j := i
	for j < len(s) && !isBlank(s[j]) && !strings.ContainsRune(wordStops, rune(s[j])) {
		j++
	}
	return token{kind: tokWord, text: s[i:j], raw: s[i:j], off: i}, nil
}

// lexString reads a double-quoted string with Go escapes at s[i].
func lexString(s string, i int) (token, error) {
	j := i + 1
	for j < len(s) && s[j] != '"' {
		if s[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(s) {
		return token{}, posErrorf(i, `expected a closing '"' for the string, found end of query`)
	}
	raw := s[i : j+1]
	text, err := strconv.Unquote(raw)
	if err != nil {
		return token{}, posErrorf(i, "expected a valid quoted string (Go escapes), found %s", raw)
	}
	return token{kind: tokString, text: text, raw: raw, off: i}, nil
}

// numberWord matches the bare words that are numbers.
var numberWord = regexp.MustCompile(`^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$`)

// keywords are the bare words with a meaning of their own in the short
// form; a string or field spelled like one must be quoted.
var keywords = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "exists": true,
	"true": true, "false": true, "null": true,
	"sort": true, "asc": true, "desc": true, "page": true, "pagesize": true,
}

// isKeyword reports whether w is a keyword, in any letter case.
func isKeyword(w string) bool { return keywords[strings.ToLower(w)] }

// isPlainWord reports whether s can be written bare, as one word token
// that reads back as the same string or field.
func isPlainWord(s string) bool {
	if s == "" || isKeyword(s) || numberWord.MatchString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if isBlank(s[i]) || strings.IndexByte(wordStops, s[i]) >= 0 || s[i] < 0x20 ||
			s[i] >= 0x7f {
			return false
		}
	}
	return true
}
