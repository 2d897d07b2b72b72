package control

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// echoHandler prints its arguments and exits with len(args).
type echoHandler struct{ cancelled chan struct{} }

func (h echoHandler) Run(ctx context.Context, req *Request, stdout, stderr io.Writer) int {
	if len(req.Args) > 0 && req.Args[0] == "block" {
		<-ctx.Done()
		close(h.cancelled)
		return 1
	}
	fmt.Fprintf(stdout, "out %s in %s\n", strings.Join(req.Args, " "), req.Dir)
	fmt.Fprintln(stderr, "err line")
	return len(req.Args)
}

func (h echoHandler) Status() Status {
	return Status{PID: 42, Dataset: "ds", Operations: map[string]uint64{"lookup": 3}}
}

func listen(t *testing.T, dir string, h Handler) *Server {
	t.Helper()
	s, err := Listen(dir, h, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRunStreamsOutputAndStatus(t *testing.T) {
	dir := t.TempDir()
	s := listen(t, dir, echoHandler{})
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("socket mode %v, want 0600", perm)
	}
	var out, errOut bytes.Buffer
	code, err := Run(dir, "/wd", []string{"a", "b"}, &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	if code != 2 || out.String() != "out a b in /wd\n" || errOut.String() != "err line\n" {
		t.Errorf("Run = %d, %q, %q", code, out.String(), errOut.String())
	}
	st, err := Query(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.PID != 42 || st.Dataset != "ds" || st.Operations["lookup"] != 3 {
		t.Errorf("Query = %+v", st)
	}
}

func TestNoServer(t *testing.T) {
	_, err := Run(t.TempDir(), "/", nil, io.Discard, io.Discard)
	if !errors.Is(err, ErrNoServer) {
		t.Errorf("Run without a server: %v, want ErrNoServer", err)
	}
}

func TestClientGoneCancelsCommand(t *testing.T) {
	dir := t.TempDir()
	h := echoHandler{cancelled: make(chan struct{})}
	listen(t, dir, h)
	conn, err := dial(dir, &Request{Kind: "run", Args: []string{"block"}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	conn.Close()
	select {
	case <-h.cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the command was not cancelled when the client hung up")
	}
}

func TestLongStorePathUsesRuntimeDir(t *testing.T) {
	long := filepath.Join(t.TempDir(), strings.Repeat("x", 120))
	p := SocketPath(long)
	if len(p) > maxSocketPath || !strings.HasPrefix(p, runtimeDir()) {
		t.Errorf("SocketPath(%d-byte dir) = %q", len(long), p)
	}
	if SocketPath("/s") != "/s/control.sock" {
		t.Errorf("SocketPath(/s) = %q", SocketPath("/s"))
	}
}

func TestRegistryListsLiveMounts(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	unregister, err := Register("/some/store")
	if err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(registryDir(), "999999999")
	os.WriteFile(dead, []byte("/dead\n"), 0o600)
	got, err := Registered()
	if err != nil || len(got) != 1 || got[0] != "/some/store" {
		t.Errorf("Registered = %v, %v; want [/some/store]", got, err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Error("the record of a dead process was kept")
	}
	unregister()
	if got, _ := Registered(); len(got) != 0 {
		t.Errorf("after unregister: %v", got)
	}
}
