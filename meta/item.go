package meta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// Item types, as Dataloop spells them.
const (
	TypeFile = "file"
	TypeDir  = "dir"
)

// Item is one entry of a dataset in the shape of a Dataloop item. Fields
// dlfs does not know are kept in Extra and given back by MarshalJSON, so an
// item read from an export is written back with the same meaning.
type Item struct {
	ID               string         `json:"id"`
	DatasetID        string         `json:"datasetId"`
	CreatedAt        string         `json:"createdAt,omitempty"`
	UpdatedAt        string         `json:"updatedAt,omitempty"`
	Creator          string         `json:"creator,omitempty"`
	Dir              string         `json:"dir"`
	Filename         string         `json:"filename"`
	Name             string         `json:"name"`
	Type             string         `json:"type"`
	Hidden           bool           `json:"hidden"`
	Metadata         map[string]any `json:"metadata"`
	Annotated        any            `json:"annotated"` // true, false or "discarded"
	AnnotationsCount int            `json:"annotationsCount"`

	// Extra holds every other top-level field, as it came.
	Extra map[string]json.RawMessage `json:"-"`
}

// knownItemFields are the keys decoded into Item's own fields.
var knownItemFields = map[string]bool{
	"id": true, "datasetId": true, "createdAt": true, "updatedAt": true,
	"creator": true, "dir": true, "filename": true, "name": true, "type": true,
	"hidden": true, "metadata": true, "annotated": true, "annotationsCount": true,
}

// itemFields is Item without its methods, so that encoding/json can handle
// the known fields without recursing into MarshalJSON.
type itemFields Item

// UnmarshalJSON decodes an item, keeping unknown fields in Extra and numbers
// in metadata as json.Number so that they are written back unchanged.
func (it *Item) UnmarshalJSON(data []byte) error {
	var f itemFields
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	f.Extra = nil
	for k, v := range all {
		if knownItemFields[k] {
			continue
		}
		if f.Extra == nil {
			f.Extra = make(map[string]json.RawMessage)
		}
		f.Extra[k] = v
	}
	*it = Item(f)
	return nil
}

// MarshalJSON encodes the item with its Extra fields merged in.
func (it Item) MarshalJSON() ([]byte, error) {
	known, err := json.Marshal(itemFields(it))
	if err != nil {
		return nil, err
	}
	if len(it.Extra) == 0 {
		return known, nil
	}
	extra, err := json.Marshal(it.Extra)
	if err != nil {
		return nil, err
	}
	// Both are objects: splice "{known...}" and "{extra...}".
	out := make([]byte, 0, len(known)+len(extra))
	out = append(out, known[:len(known)-1]...)
	out = append(out, ',')
	out = append(out, extra[1:]...)
	return out, nil
}

// Map returns the item as generic JSON values (numbers as json.Number), the
// form queries are evaluated on.
func (it *Item) Map() (map[string]any, error) {
	data, err := json.Marshal(it)
	if err != nil {
		return nil, err
	}
	return DecodeObject(data)
}

// DecodeObject decodes a JSON object keeping numbers as json.Number.
func DecodeObject(data []byte) (map[string]any, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// System returns metadata.system, creating it when missing.
func (it *Item) System() map[string]any {
	if it.Metadata == nil {
		it.Metadata = map[string]any{}
	}
	sys, ok := it.Metadata["system"].(map[string]any)
	if !ok {
		sys = map[string]any{}
		it.Metadata["system"] = sys
	}
	return sys
}

// Size returns metadata.system.size, or -1 when absent or not a number.
func (it *Item) Size() int64 {
	sys, _ := it.Metadata["system"].(map[string]any)
	switch v := sys["size"].(type) {
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return -1
		}
		return n
	case float64:
		return int64(v)
	case int64:
		return v
	case int:
		return int64(v)
	}
	return -1
}

// Annotation is one annotation object with every field it came with;
// numbers are json.Number. ID, Type and Label read the common fields.
type Annotation map[string]any

// ID returns the annotation's id, or "".
func (a Annotation) ID() string { s, _ := a["id"].(string); return s }

// Type returns the annotation's type, or "".
func (a Annotation) Type() string { s, _ := a["type"].(string); return s }

// Label returns the annotation's label, or "".
func (a Annotation) Label() string { s, _ := a["label"].(string); return s }

// DecodeAnnotations decodes a JSON array of annotation objects, keeping
// numbers as json.Number.
func DecodeAnnotations(data []byte) ([]Annotation, error) {
	var anns []Annotation
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&anns); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the array")
	}
	return anns, nil
}

// CleanFilename checks an item path and returns it cleaned: it must start
// with "/", hold no NUL, no "." or ".." element and no empty element.
func CleanFilename(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%w: %q does not start with /", ErrBadPath, p)
	}
	if strings.IndexByte(p, 0) >= 0 {
		return "", fmt.Errorf("%w: %q holds a NUL byte", ErrBadPath, p)
	}
	if p == "/" {
		return p, nil
	}
	for _, el := range strings.Split(p[1:], "/") {
		switch el {
		case ".", "..":
			return "", fmt.Errorf("%w: %q holds %q", ErrBadPath, p, el)
		case "":
			return "", fmt.Errorf("%w: %q holds an empty element", ErrBadPath, p)
		}
		if len(el) > 255 {
			return "", fmt.Errorf("%w: %q has an element over 255 bytes", ErrBadPath, p)
		}
	}
	return path.Clean(p), nil
}

// SplitPath returns the folder and base name of a cleaned item path.
func SplitPath(p string) (dir, name string) {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/", p[i+1:]
	}
	return p[:i], p[i+1:]
}

// ItemFromMap builds an item from a decoded JSON object (numbers as
// json.Number), as UnmarshalJSON would from its text, without encoding it
// again: imports read every item JSON this way.
func ItemFromMap(raw map[string]any) (*Item, error) {
	it := &Item{}
	strs := map[string]*string{
		"id": &it.ID, "datasetId": &it.DatasetID, "createdAt": &it.CreatedAt,
		"updatedAt": &it.UpdatedAt, "creator": &it.Creator, "dir": &it.Dir,
		"filename": &it.Filename, "name": &it.Name, "type": &it.Type,
	}
	for k, v := range raw {
		if p, ok := strs[k]; ok {
			s, ok := v.(string)
			if !ok && v != nil {
				return nil, fmt.Errorf("%w: %s: want a string, found %T", ErrInvalid, k, v)
			}
			*p = s
			continue
		}
		if err := it.setOther(k, v); err != nil {
			return nil, err
		}
	}
	return it, nil
}

// setOther sets a field ItemFromMap does not take as a string.
func (it *Item) setOther(k string, v any) error {
	switch k {
	case "hidden":
		b, ok := v.(bool)
		if !ok && v != nil {
			return fmt.Errorf("%w: hidden: want a boolean, found %T", ErrInvalid, v)
		}
		it.Hidden = b
	case "metadata":
		m, ok := v.(map[string]any)
		if !ok && v != nil {
			return fmt.Errorf("%w: metadata: want an object, found %T", ErrInvalid, v)
		}
		it.Metadata = m
	case "annotated":
		it.Annotated = v
	case "annotationsCount":
		n, ok := v.(json.Number)
		c, err := n.Int64()
		if v != nil && (!ok || err != nil) {
			return fmt.Errorf("%w: annotationsCount: want an integer, found %v", ErrInvalid, v)
		}
		it.AnnotationsCount = int(c)
	default:
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		if it.Extra == nil {
			it.Extra = make(map[string]json.RawMessage)
		}
		it.Extra[k] = data
	}
	return nil
}
