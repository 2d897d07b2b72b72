package query

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonNode is a decoded JSON value that keeps the order of object keys, so
// that conditions keep the order the user wrote them in.
type jsonNode struct {
	obj    []jsonMember // when isObj
	arr    []*jsonNode  // when isArr
	scalar any          // string, json.Number, bool or nil otherwise
	isObj  bool
	isArr  bool
}

// jsonMember is one key of an object.
type jsonMember struct {
	key string
	val *jsonNode
}

// maxJSONDepth bounds the nesting of a DQL document.
const maxJSONDepth = 100

// decodeJSON decodes one JSON document, with nothing after it.
func decodeJSON(data []byte) (*jsonNode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := decodeJSONValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("data after the JSON object")
	}
	return n, nil
}

// decodeJSONValue reads one value from dec.
func decodeJSONValue(dec *json.Decoder, depth int) (*jsonNode, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxJSONDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		n := &jsonNode{isObj: true}
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return nil, err
			}
			val, err := decodeJSONValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.obj = append(n.obj, jsonMember{key: key.(string), val: val})
		}
		_, err := dec.Token() // '}'
		return n, err
	case json.Delim('['):
		n := &jsonNode{isArr: true}
		for dec.More() {
			val, err := decodeJSONValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.arr = append(n.arr, val)
		}
		_, err := dec.Token() // ']'
		return n, err
	}
	return &jsonNode{scalar: tok}, nil
}

// describe names the JSON type of n for error messages.
func (n *jsonNode) describe() string {
	switch {
	case n.isObj:
		return "an object"
	case n.isArr:
		return "an array"
	}
	switch n.scalar.(type) {
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}
