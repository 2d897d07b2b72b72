package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/dlfs/dlfs/blob"
)

// memStore is an in-memory inner store that counts what it serves.
type memStore struct {
	mu        sync.Mutex
	blobs     map[string][]byte
	opens     atomic.Int64
	readBytes atomic.Int64
}

func newMemStore() *memStore { return &memStore{blobs: make(map[string][]byte)} }

// add stores data under its sha256 and returns the key.
func (m *memStore) add(data []byte) string {
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:])
	m.set(key, data)
	return key
}

func (m *memStore) set(key string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blobs[key] = data
}

func (m *memStore) get(key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.blobs[key]
	if !ok {
		return nil, fmt.Errorf("mem %s: %w", key, blob.ErrNotFound)
	}
	return data, nil
}

func (m *memStore) Put(ctx context.Context, r io.Reader, size int64) (blob.Ref, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return blob.Ref{}, err
	}
	return blob.Ref{Key: m.add(data), Size: int64(len(data))}, nil
}

func (m *memStore) Open(ctx context.Context, key string) (blob.Reader, error) {
	data, err := m.get(key)
	if err != nil {
		return nil, err
	}
	m.opens.Add(1)
	return &memReader{m: m, r: bytes.NewReader(data)}, nil
}

func (m *memStore) Stat(ctx context.Context, key string) (int64, error) {
	data, err := m.get(key)
	return int64(len(data)), err
}

func (m *memStore) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.blobs, key)
	return nil
}

func (m *memStore) Walk(ctx context.Context, fn func(string, int64) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range m.blobs {
		if err := fn(k, int64(len(v))); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) Close() error { return nil }

type memReader struct {
	m *memStore
	r *bytes.Reader
}

func (r *memReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.r.ReadAt(p, off)
	r.m.readBytes.Add(int64(n))
	return n, err
}

func (r *memReader) Size() int64  { return r.r.Size() }
func (r *memReader) Close() error { return nil }

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 77))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
