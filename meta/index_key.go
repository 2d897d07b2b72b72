package meta

import (
	"bytes"
	"encoding/binary"
	"math"
)

// Secondary index keys. An item has one entry per indexed value, and one
// list of those entries, so that replacing or deleting the item removes
// exactly the keys it had:
//
//	X<ds>k<field>\x00<value><item>   one entry (empty value)
//	X<ds>r<item>                      the item's entries: a list of
//	                                  uvarint length + "<field>\x00<value>"
//
// <value> is a tag byte and an encoding whose byte order is the order in
// which queries compare values of that kind, so ranges are key ranges:
//
//	'b' 0|1             booleans
//	'f' 8 bytes         numbers: float64 bits, sign-flipped, big-endian
//	'n'                 null
//	'o'                 an object or array is there (for "exists")
//	's' text 00 01      strings, 00 escaped as 00 ff; 00 02 ends text
//	                    cut at maxIndexedString bytes
//
// <item> is the 24-hex-digit item id, always the last bytes of the key.
// Annotation fields are named "@label" and "@type"; "@" marks items with
// at least one annotation.

const (
	subEntry = 'k'
	subList  = 'r'

	tagBool   = 'b'
	tagNumber = 'f'
	tagNull   = 'n'
	tagObject = 'o'
	tagString = 's'

	// maxIndexedString bounds the indexed text of a string; longer ones
	// are indexed by their start, and scans over them widen to match.
	maxIndexedString = 512

	idLen = 24
)

func indexPrefix(ds string) []byte { return append([]byte{'X'}, ds...) }

// entryPrefix returns X<ds>k, to which "<field>\x00<value>" is appended.
func entryPrefix(ds string) []byte { return append(indexPrefix(ds), subEntry) }

func entryKey(ds string, entry []byte, id string) []byte {
	k := make([]byte, 0, len(ds)+len(entry)+len(id)+2)
	k = append(append(k, entryPrefix(ds)...), entry...)
	return append(k, id...)
}

func entryListKey(ds, id string) []byte {
	return append(append(indexPrefix(ds), subList), id...)
}

// fieldPrefix returns "<field>\x00", the start of every entry of field.
func fieldPrefix(field string) []byte { return append([]byte(field), 0) }

// encodeNumber appends the tagged, order-preserving form of f.
func encodeNumber(b []byte, f float64) []byte {
	if f == 0 {
		f = 0 // -0 equals 0
	}
	bits := math.Float64bits(f)
	if bits>>63 == 1 {
		bits = ^bits
	} else {
		bits |= 1 << 63
	}
	return binary.BigEndian.AppendUint64(append(b, tagNumber), bits)
}

// escapeString appends s with its NUL bytes escaped, without terminator.
func escapeString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			b = append(b, 0, 0xff)
			continue
		}
		b = append(b, s[i])
	}
	return b
}

// encodeString appends the tagged form of s, cut at maxIndexedString.
func encodeString(b []byte, s string) []byte {
	b = append(b, tagString)
	if len(s) > maxIndexedString {
		return append(escapeString(b, s[:maxIndexedString]), 0, 2)
	}
	return append(escapeString(b, s), 0, 1)
}

// stringBound returns the tagged, unterminated start of s as an index
// scan bound: every string with s as prefix is encoded with it in front.
func stringBound(b []byte, s string) []byte {
	if len(s) > maxIndexedString {
		s = s[:maxIndexedString]
	}
	return escapeString(append(b, tagString), s)
}

func encodeBool(b []byte, v bool) []byte {
	if v {
		return append(b, tagBool, 1)
	}
	return append(b, tagBool, 0)
}

// prefixEnd returns the smallest key greater than every key starting with
// p, or nil when there is none.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// appendEntryList appends one entry to an encoded entry list.
func appendEntryList(b, entry []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(entry)))
	return append(b, entry...)
}

// decodeEntryList splits an encoded entry list; a damaged tail is dropped.
func decodeEntryList(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			break
		}
		out = append(out, b[k:k+int(n)])
		b = b[k+int(n):]
	}
	return out
}
