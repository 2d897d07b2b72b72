package s3

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// fault is what faultProxy does to one request.
type fault int

const (
	faultNone     fault = iota
	faultDelay          // hold the request longer than any test timeout
	fault503            // answer 503 Service Unavailable
	faultReset          // reset the connection before answering
	faultTruncate       // send the headers and part of the body, then reset
)

// faultProxy is an HTTP reverse proxy that applies choose(n) to the n-th
// request (from 0) and counts requests and body bytes sent to the client.
type faultProxy struct {
	endpoint  string
	choose    atomic.Value // func(n int64) fault
	requests  atomic.Int64
	gets      atomic.Int64
	puts      atomic.Int64 // PUT and POST: uploads and their parts
	bodyBytes atomic.Int64
	proxy     *httputil.ReverseProxy
}

func startFaultProxy(t testing.TB, upstream string) *faultProxy {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{proxy: httputil.NewSingleHostReverseProxy(u)}
	p.setFaults(func(int64) fault { return faultNone })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.endpoint = "http://" + l.Addr().String()
	srv := &http.Server{Handler: p}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return p
}

func (p *faultProxy) setFaults(choose func(n int64) fault) { p.choose.Store(choose) }

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := p.requests.Add(1) - 1
	switch r.Method {
	case http.MethodGet:
		p.gets.Add(1)
	case http.MethodPut, http.MethodPost:
		p.puts.Add(1)
	}
	switch p.choose.Load().(func(int64) fault)(n) {
	case faultDelay:
		select {
		case <-time.After(time.Minute):
		case <-r.Context().Done():
		}
		return
	case fault503:
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	case faultReset:
		resetConn(w)
		return
	case faultTruncate:
		p.proxy.ServeHTTP(&truncatingWriter{ResponseWriter: w, left: 1000}, r)
		return
	}
	p.proxy.ServeHTTP(&countingWriter{ResponseWriter: w, n: &p.bodyBytes}, r)
}

// resetConn closes the client connection with a TCP reset.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n.Add(int64(n))
	return n, err
}

// truncatingWriter passes left body bytes, then drops the connection
// in the middle of the body.
type truncatingWriter struct {
	http.ResponseWriter
	left int
}

func (t *truncatingWriter) Write(b []byte) (int, error) {
	if len(b) <= t.left {
		t.left -= len(b)
		return t.ResponseWriter.Write(b)
	}
	t.ResponseWriter.Write(b[:t.left])
	http.NewResponseController(t.ResponseWriter).Flush()
	panic(http.ErrAbortHandler) // net/http closes the connection mid-body
}
