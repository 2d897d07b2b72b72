package control

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

// Handler serves the requests of a control socket. Its methods may be
// called concurrently, one call per connection.
type Handler interface {
	// Run runs a command line, writing its output to stdout and stderr,
	// and returns its exit status. ctx ends when the client goes away.
	Run(ctx context.Context, req *Request, stdout, stderr io.Writer) int
	// Status describes the mount.
	Status() Status
}

// Server listens on a store's control socket.
type Server struct {
	ln   net.Listener
	path string // read-only
	h    Handler
	log  *slog.Logger

	wg sync.WaitGroup // the connections being served
}

// Listen creates the control socket of the store in dir, mode 0600, and
// serves it with h until Close. The caller must hold the store's lock: a
// socket left there by a dead process is removed.
func Listen(dir string, h Handler, log *slog.Logger) (*Server, error) {
	path := SocketPath(dir)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("control socket %s: remove the old one: %w", path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	s := &Server{ln: ln, path: path, h: h, log: log}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Path returns the socket's path.
func (s *Server) Path() string { return s.path }

// Close stops listening, removes the socket and waits for the commands
// being run to end.
func (s *Server) Close() error {
	err := s.ln.Close()
	os.Remove(s.path)
	s.wg.Wait()
	return err
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			if err := s.serveConn(conn.(*net.UnixConn)); err != nil {
				s.log.Warn("control request", "err", err)
			}
		}()
	}
}

// serveConn answers one request.
func (s *Server) serveConn(conn *net.UnixConn) error {
	if err := checkPeer(conn); err != nil {
		return err
	}
	br := bufio.NewReader(conn)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	var req Request
	if err := json.Unmarshal(line, &req); err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	fc := &frameConn{w: conn}
	switch req.Kind {
	case "status":
		data, err := json.Marshal(s.h.Status())
		if err != nil {
			return err
		}
		return fc.write(frameStatus, data)
	case "run":
		return s.run(conn, br, fc, &req)
	}
	return fc.write(frameStderr, []byte("dlfs: unknown control request "+req.Kind+"\n"))
}

// run runs a command, cancelling it when the client hangs up.
func (s *Server) run(conn net.Conn, br *bufio.Reader, fc *frameConn, req *Request) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		io.Copy(io.Discard, br) // returns when the client closes
		cancel()
	}()
	s.log.Debug("running a forwarded command", "args", req.Args, "dir", req.Dir)
	code := s.h.Run(ctx, req, streamWriter{fc, frameStdout}, streamWriter{fc, frameStderr})
	var p [4]byte
	binary.BigEndian.PutUint32(p[:], uint32(code))
	return fc.write(frameExit, p[:])
}

// checkPeer refuses a client running as another user (root excepted).
func checkPeer(conn *net.UnixConn) error {
	raw, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var cred *unix.Ucred
	var cerr error
	err = raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("control peer: %w", err)
	}
	if cred.Uid != uint32(os.Getuid()) && cred.Uid != 0 {
		return fmt.Errorf("control peer: refused uid %d (pid %d)", cred.Uid, cred.Pid)
	}
	return nil
}
