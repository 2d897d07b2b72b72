package control

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
)

// ErrNoServer means no live process serves the store's control socket.
var ErrNoServer = errors.New("no mount process serves the store's control socket")

// dial connects to the control socket of the store in dir and sends req.
func dial(dir string, req *Request) (net.Conn, error) {
	path := SocketPath(dir)
	conn, err := net.Dial("unix", path)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("%s: %w", path, ErrNoServer)
		}
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	data, err := json.Marshal(req)
	if err == nil {
		_, err = conn.Write(append(data, '\n'))
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("control socket %s: send: %w", path, err)
	}
	return conn, nil
}

// Run asks the mount process of the store in dir to run args (a dlfs
// command line without the program name) in the working folder wd,
// copies its output to stdout and stderr, and returns its exit status.
// Closing the connection (the client exits) cancels the command.
func Run(dir, wd string, args []string, stdout, stderr io.Writer) (int, error) {
	conn, err := dial(dir, &Request{Kind: "run", Args: args, Dir: wd})
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	for {
		kind, p, err := readFrame(conn)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("the mount process ended the connection")
			}
			return 0, fmt.Errorf("forwarded command: %w", err)
		}
		switch kind {
		case frameStdout:
			_, err = stdout.Write(p)
		case frameStderr:
			_, err = stderr.Write(p)
		case frameExit:
			if len(p) != 4 {
				return 0, fmt.Errorf("forwarded command: bad exit frame")
			}
			return int(binary.BigEndian.Uint32(p)), nil
		}
		if err != nil {
			return 0, fmt.Errorf("forwarded command: %w", err)
		}
	}
}

// Query returns the status of the mount process of the store in dir.
func Query(dir string) (*Status, error) {
	conn, err := dial(dir, &Request{Kind: "status"})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	kind, p, err := readFrame(conn)
	if err != nil {
		return nil, fmt.Errorf("mount status: %w", err)
	}
	if kind != frameStatus {
		return nil, fmt.Errorf("mount status: unexpected answer %q", p)
	}
	var st Status
	if err := json.Unmarshal(p, &st); err != nil {
		return nil, fmt.Errorf("mount status: %w", err)
	}
	return &st, nil
}
