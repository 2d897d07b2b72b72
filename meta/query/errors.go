package query

import (
	"fmt"
	"strconv"
)

// Error is a query that could not be parsed. A short-form error has Pos,
// the byte position (counted from 1) where the problem is; a DQL error has
// Path, the place in the JSON document, such as "filter.$and[1].size".
type Error struct {
	Pos  int    // byte position in a short-form query, from 1; 0 for DQL
	Path string // JSON path in a DQL query; "" for the short form
	Msg  string // what was wrong, and what was expected
}

// Error returns the message, such as
// `query: position 14: expected a value after ">=", found end of query`.
func (e *Error) Error() string {
	switch {
	case e.Path != "":
		return "query: " + e.Path + ": " + e.Msg
	case e.Pos > 0:
		return "query: position " + strconv.Itoa(e.Pos) + ": " + e.Msg
	}
	return "query: " + e.Msg
}

// posErrorf returns a short-form error at the 0-based byte offset off.
func posErrorf(off int, format string, args ...any) *Error {
	return &Error{Pos: off + 1, Msg: fmt.Sprintf(format, args...)}
}

// pathErrorf returns a DQL error at a JSON path.
func pathErrorf(path, format string, args ...any) *Error {
	return &Error{Path: path, Msg: fmt.Sprintf(format, args...)}
}
