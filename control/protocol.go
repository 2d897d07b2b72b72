package control

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"time"
)

// Request is what a client asks of the mount process.
type Request struct {
	// Kind is "run" or "status".
	Kind string `json:"kind"`
	// Args is the command line to run, without the program name.
	Args []string `json:"args,omitempty"`
	// Dir is the client's working folder: relative paths in Args are
	// resolved there.
	Dir string `json:"dir,omitempty"`
}

// Status describes a live mount.
type Status struct {
	PID        int       `json:"pid"`
	Store      string    `json:"store"`
	Mountpoint string    `json:"mountpoint"`
	Dataset    string    `json:"dataset"` // "" when every dataset is mounted
	ReadOnly   bool      `json:"readOnly"`
	Started    time.Time `json:"started"`
	LogFile    string    `json:"logFile,omitempty"`
	Metrics    string    `json:"metrics,omitempty"` // the metrics address, when served
	// Operations counts FUSE operations by kind since the mount started.
	Operations map[string]uint64 `json:"operations"`
	BytesRead  uint64            `json:"bytesRead"`
	// Cache sums the disk caches of the mount's backends.
	CacheBytes  int64 `json:"cacheBytes"`
	CacheHits   int64 `json:"cacheHits"`
	CacheMisses int64 `json:"cacheMisses"`
}

// Frame kinds, server to client.
const (
	frameStdout = 'o'
	frameStderr = 'e'
	frameExit   = 'x' // payload: the exit status, 4 bytes big-endian
	frameStatus = 's' // payload: Status as JSON
)

// maxFrame bounds a frame's payload, so that a broken peer cannot make
// the other side allocate without limit.
const maxFrame = 1 << 20

// frameConn writes frames to a connection; it is safe for concurrent use.
type frameConn struct {
	mu sync.Mutex // serialises frames
	w  io.Writer
}

func (f *frameConn) write(kind byte, p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		n := min(len(p), maxFrame)
		var hdr [5]byte
		hdr[0] = kind
		binary.BigEndian.PutUint32(hdr[1:], uint32(n))
		if _, err := f.w.Write(append(hdr[:], p[:n]...)); err != nil {
			return err
		}
		if p = p[n:]; len(p) == 0 {
			return nil
		}
	}
}

// streamWriter is an io.Writer that sends what it gets as frames of one
// kind.
type streamWriter struct {
	conn *frameConn
	kind byte
}

func (s streamWriter) Write(p []byte) (int, error) {
	if err := s.conn.write(s.kind, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// readFrame reads one frame.
func readFrame(r io.Reader) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > maxFrame {
		return 0, nil, fmt.Errorf("control frame of %d bytes exceeds %d", n, maxFrame)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, fmt.Errorf("control frame: %w", err)
	}
	return hdr[0], p, nil
}
