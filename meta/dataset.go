package meta

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Dataset is a named collection of items with one blob backend.
type Dataset struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"createdAt"`
	// Backend names the blob backend: "local" (the store's own
	// content-addressed folder), "link:/abs/folder", or "s3://...".
	Backend   string `json:"backend"`
	RootInode uint64 `json:"rootInode"`
}

// NewID returns a fresh 24-hex-digit id shaped like a Dataloop ObjectId:
// four bytes of Unix time, then eight random bytes.
func NewID() string {
	var b [12]byte
	t := uint32(time.Now().Unix())
	b[0], b[1], b[2], b[3] = byte(t>>24), byte(t>>16), byte(t>>8), byte(t)
	if _, err := rand.Read(b[4:]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b[:])
}

// IsID reports whether s has the shape of an id.
func IsID(s string) bool {
	if len(s) != 24 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// Now returns the current time in Dataloop's format.
func Now() string { return FormatTime(time.Now()) }

// FormatTime formats t as ISO 8601 UTC with milliseconds.
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// validDatasetName refuses names that cannot be a folder.
func validDatasetName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") ||
		strings.HasPrefix(name, ".") || len(name) > 255 {
		return fmt.Errorf("%w: dataset name %q: use a non-empty name without '/', "+
			"NUL or a leading '.'", ErrInvalid, name)
	}
	return nil
}

// CreateDataset creates a dataset; ErrExists when the name is taken.
func (c *Catalog) CreateDataset(name, backend string) (*Dataset, error) {
	return c.CreateDatasetWithID(name, backend, "")
}

// CreateDatasetWithID creates a dataset that takes the id wantID when it
// is a valid id no other dataset has (an import keeps its source's dataset
// id so); otherwise, or with wantID "", it gets a fresh id.
func (c *Catalog) CreateDatasetWithID(name, backend, wantID string) (*Dataset, error) {
	if err := validDatasetName(name); err != nil {
		return nil, err
	}
	if backend == "" {
		backend = "local"
	}
	var ds *Dataset
	err := c.Update(func(tx *Tx) error {
		if _, err := tx.txn.Get(nameKey(name)); err == nil {
			return fmt.Errorf("dataset %q: %w", name, ErrExists)
		}
		ino, err := c.nextInode()
		if err != nil {
			return err
		}
		id := NewID()
		if IsID(wantID) {
			if _, err := tx.txn.Get(dsKey(wantID)); errors.Is(err, badger.ErrKeyNotFound) {
				id = wantID
			}
		}
		ds = &Dataset{ID: id, Name: name, CreatedAt: Now(), Backend: backend, RootInode: ino}
		return tx.putDataset(ds)
	})
	return ds, err
}

func (tx *Tx) putDataset(ds *Dataset) error {
	data, err := json.Marshal(ds)
	if err != nil {
		return err
	}
	if err := tx.txn.Set(dsKey(ds.ID), data); err != nil {
		return err
	}
	return tx.txn.Set(nameKey(ds.Name), []byte(ds.ID))
}

// Dataset finds a dataset by name or id.
func (c *Catalog) Dataset(nameOrID string) (*Dataset, error) {
	var ds *Dataset
	err := c.view(func(txn *badger.Txn) error {
		id := nameOrID
		if it, err := txn.Get(nameKey(nameOrID)); err == nil {
			v, err := it.ValueCopy(nil)
			if err != nil {
				return err
			}
			id = string(v)
		}
		it, err := txn.Get(dsKey(id))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("dataset %q: %w", nameOrID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error {
			ds = new(Dataset)
			return json.Unmarshal(v, ds)
		})
	})
	return ds, err
}

// Datasets lists every dataset, by name.
func (c *Catalog) Datasets() ([]*Dataset, error) {
	var out []*Dataset
	err := c.view(func(txn *badger.Txn) error {
		opt := badger.DefaultIteratorOptions
		opt.Prefix = []byte{pName}
		it := txn.NewIterator(opt)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			id, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			item, err := txn.Get(dsKey(string(id)))
			if err != nil {
				return fmt.Errorf("dataset %s: %w", id, err)
			}
			ds := new(Dataset)
			if err := item.Value(func(v []byte) error { return json.Unmarshal(v, ds) }); err != nil {
				return err
			}
			out = append(out, ds)
		}
		return nil
	})
	return out, err
}
