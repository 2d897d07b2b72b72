package meta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// UserValue turns an attribute value into metadata: the JSON it holds
// when it parses as one JSON value (numbers kept as json.Number), else
// the text itself.
func UserValue(raw []byte) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return string(raw)
	}
	return v
}

// splitUserPath checks a dotted path below metadata.user ("reviewed",
// "review.by") and returns its elements.
func splitUserPath(path string) ([]string, error) {
	parts := strings.Split(path, ".")
	for _, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("%w: metadata.user.%s has an empty element", ErrInvalid, path)
		}
	}
	return parts, nil
}

// SetUserMetadata sets metadata.user.<path> of it to v, creating the
// objects on the way (a non-object on the way is replaced by one). With
// mustExist or mustNotExist the current presence of the leaf is checked
// first (ErrNotFound, ErrExists).
func SetUserMetadata(it *Item, path string, v any, mustExist, mustNotExist bool) error {
	parts, err := splitUserPath(path)
	if err != nil {
		return err
	}
	if it.Metadata == nil {
		it.Metadata = map[string]any{}
	}
	m := childObject(it.Metadata, "user")
	for _, p := range parts[:len(parts)-1] {
		m = childObject(m, p)
	}
	leaf := parts[len(parts)-1]
	_, present := m[leaf]
	switch {
	case mustExist && !present:
		return fmt.Errorf("metadata.user.%s: %w", path, ErrNotFound)
	case mustNotExist && present:
		return fmt.Errorf("metadata.user.%s: %w", path, ErrExists)
	}
	m[leaf] = v
	return nil
}

// childObject returns m[k] as an object, making it one when it is not.
func childObject(m map[string]any, k string) map[string]any {
	c, ok := m[k].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[k] = c
	}
	return c
}

// RemoveUserMetadata removes metadata.user.<path> from it, and the objects
// on the way that it leaves empty (metadata.user itself stays). A missing
// leaf is ErrNotFound.
func RemoveUserMetadata(it *Item, path string) error {
	parts, err := splitUserPath(path)
	if err != nil {
		return err
	}
	user, _ := it.Metadata["user"].(map[string]any)
	if !removeLeaf(user, parts) {
		return fmt.Errorf("metadata.user.%s: %w", path, ErrNotFound)
	}
	return nil
}

// removeLeaf deletes the leaf at parts below m, pruning emptied objects.
func removeLeaf(m map[string]any, parts []string) bool {
	if m == nil {
		return false
	}
	if len(parts) == 1 {
		if _, ok := m[parts[0]]; !ok {
			return false
		}
		delete(m, parts[0])
		return true
	}
	child, ok := m[parts[0]].(map[string]any)
	if !ok || !removeLeaf(child, parts[1:]) {
		return false
	}
	if len(child) == 0 {
		delete(m, parts[0])
	}
	return true
}

// ParseSidecar decodes the bytes written to X.annotations.json: a JSON
// array of objects, each with a non-empty string "type". The error says
// which annotation is wrong; it wraps ErrInvalid.
func ParseSidecar(data []byte) ([]Annotation, error) {
	anns, err := DecodeAnnotations(data)
	if err != nil {
		return nil, fmt.Errorf("%w: annotations: not a JSON array of objects: %v", ErrInvalid, err)
	}
	if anns == nil {
		return nil, fmt.Errorf("%w: annotations: null, want a JSON array", ErrInvalid)
	}
	for i, a := range anns {
		if a == nil {
			return nil, fmt.Errorf("%w: annotation %d: null, want an object", ErrInvalid, i)
		}
		if t, ok := a["type"].(string); !ok || t == "" {
			return nil, fmt.Errorf("%w: annotation %d: no \"type\" string", ErrInvalid, i)
		}
	}
	return anns, nil
}

// BlobRefs calls fn with the blob key and recorded size of every item of
// dataset ds that has bytes, until fn returns an error.
func (c *Catalog) BlobRefs(ds string, fn func(key string, size int64) error) error {
	return c.Items(ds, func(rec *Record) error {
		if rec.Blob == "" {
			return nil
		}
		return fn(rec.Blob, rec.Item.Size())
	})
}
