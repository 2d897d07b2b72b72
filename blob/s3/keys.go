package s3

import (
	"fmt"

	"github.com/dlfs/dlfs/blob"
	"path"
	"strings"
)

// linkedKeyPrefix starts every linked key; the rest is the object name.
const linkedKeyPrefix = "obj/"

// LinkKey returns the key that reads the object named name (relative to
// the bucket) in place.
func LinkKey(name string) string {
	return linkedKeyPrefix + name
}

// isContentKey tells whether key is 64 lowercase hex digits.
func isContentKey(key string) bool {
	if len(key) != 64 {
		return false
	}
	for _, c := range key {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// blobsDir is the folder of content objects: PREFIX/blobs/.
func (s *Store) blobsDir() string {
	return path.Join(s.loc.prefix, "blobs") + "/"
}

// objectName maps a key to its object name, or fails for a key of
// neither form.
func (s *Store) objectName(key string) (name string, linked bool, err error) {
	switch {
	case isContentKey(key):
		return s.blobsDir() + key[:2] + "/" + key[2:], false, nil
	case strings.HasPrefix(key, linkedKeyPrefix) && len(key) > len(linkedKeyPrefix):
		return key[len(linkedKeyPrefix):], true, nil
	default:
		return "", false, fmt.Errorf("s3 key %q: want 64 hex digits or obj/NAME: %w",
			key, blob.ErrNotFound)
	}
}

// contentKey maps an object name under blobsDir back to its key, or
// returns false for anything else found there.
func (s *Store) contentKey(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, s.blobsDir())
	if !ok || len(rest) != 65 || rest[2] != '/' {
		return "", false
	}
	key := rest[:2] + rest[3:]
	return key, isContentKey(key)
}
