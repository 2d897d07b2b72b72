package metrics

import (
	"context"
	"io"

	"github.com/dlfs/dlfs/blob"
)

// store counts the calls a mount makes to a blob backend. Readers of local
// files keep their Fd, so the kernel still splices them (those bytes are
// counted by dlfs_read_bytes_total, not per backend).
type store struct {
	blob.Store
	m    *Metrics
	kind string
}

// InstrumentStore returns s with its calls counted under backend kind
// (local, link, s3). LocalPath and a cache's Stats stay reachable through
// Unwrap.
func (m *Metrics) InstrumentStore(kind string, s blob.Store) blob.Store {
	return &store{Store: s, m: m, kind: kind}
}

// Unwrap returns the instrumented store.
func (s *store) Unwrap() blob.Store { return s.Store }

func (s *store) count(method string, err error) {
	s.m.backendReqs.WithLabelValues(s.kind, method).Inc()
	if err != nil {
		s.m.backendErrs.WithLabelValues(s.kind, method).Inc()
	}
}

func (s *store) Put(ctx context.Context, r io.Reader, size int64) (blob.Ref, error) {
	ref, err := s.Store.Put(ctx, r, size)
	s.count("put", err)
	return ref, err
}

func (s *store) Open(ctx context.Context, key string) (blob.Reader, error) {
	r, err := s.Store.Open(ctx, key)
	s.count("open", err)
	if err != nil {
		return nil, err
	}
	cr := &reader{Reader: r, s: s}
	if f, ok := r.(fder); ok {
		return &fdReader{reader: cr, fd: f}, nil
	}
	return cr, nil
}

func (s *store) Stat(ctx context.Context, key string) (int64, error) {
	n, err := s.Store.Stat(ctx, key)
	s.count("stat", err)
	return n, err
}

func (s *store) Delete(ctx context.Context, key string) error {
	err := s.Store.Delete(ctx, key)
	s.count("delete", err)
	return err
}

// LocalPath answers for backends whose blobs are local files.
func (s *store) LocalPath(key string) (string, bool) {
	if lp, ok := s.Store.(blob.LocalPather); ok {
		return lp.LocalPath(key)
	}
	return "", false
}

// fder is a reader backed by a local file descriptor.
type fder interface{ Fd() uintptr }

// reader counts ranged reads.
type reader struct {
	blob.Reader
	s *store
}

func (r *reader) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.Reader.ReadAt(p, off)
	if err == io.EOF {
		r.s.count("read", nil)
	} else {
		r.s.count("read", err)
	}
	r.s.m.backendRead.WithLabelValues(r.s.kind).Add(float64(n))
	return n, err
}

// fdReader is a reader that keeps its file descriptor visible.
type fdReader struct {
	*reader
	fd fder
}

// Fd returns the descriptor of the local file.
func (r *fdReader) Fd() uintptr { return r.fd.Fd() }
