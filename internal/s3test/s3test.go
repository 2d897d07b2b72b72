// Package s3test holds what the S3 tests share: finding the versitygw
// server they start, and a TCP proxy that counts the bytes the server sends,
// to check that reads fetch only what they need.
package s3test

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Versitygw returns the versitygw binary, from PATH or $(go env GOPATH)/bin
// where `make deps` installs it. Without it the test skips, or fails when
// CI is set.
func Versitygw(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	msg := "versitygw is missing: make deps installs it " +
		"(go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// CountingProxy forwards TCP connections to an upstream server and counts
// the bytes the server sends back: what a client of the proxy downloads.
type CountingProxy struct {
	Addr string // 127.0.0.1:PORT to connect to
	down atomic.Int64
}

// StartCountingProxy listens on a free loopback port until the test ends.
func StartCountingProxy(t testing.TB, upstream string) *CountingProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &CountingProxy{Addr: l.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { p.relay(c, upstream) })
		}
	})
	return p
}

// Down returns the bytes the server has sent so far.
func (p *CountingProxy) Down() int64 { return p.down.Load() }

func (p *CountingProxy) relay(client net.Conn, upstream string) {
	defer client.Close()
	server, err := net.Dial("tcp", upstream)
	if err != nil {
		return
	}
	defer server.Close()
	done := make(chan struct{})
	go func() {
		io.Copy(server, client)
		server.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	io.Copy(&countingWriter{w: client, n: &p.down}, server)
	client.Close()
	<-done
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n.Add(int64(n))
	return n, err
}
