package http

import (
	"bufio"
	"context"
	"net"
	nethttp "net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

// scripted is a real TCP server whose n-th accepted connection (from 1) is
// handled by script(n, conn, reader): a peer that misbehaves on cue, so each
// way a connection can end is produced deterministically.
func scripted(t *testing.T, script func(n int, c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				script(int(n.Add(1)), c, bufio.NewReader(c))
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

// answer reads one request and writes a complete 200.
func answer(c net.Conn, br *bufio.Reader, extra string) bool {
	if _, err := nethttp.ReadRequest(br); err != nil {
		return false
	}
	_, err := c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Drainproof-Peer: " +
		c.RemoteAddr().String() + "\r\n" + extra + "\r\nok"))
	return err == nil
}

func runScripted(t *testing.T, url string, cfg func(*Config)) []ledger.Event {
	t.Helper()
	c := DefaultConfig(url, 2*time.Second)
	c.Connections, c.Interval, c.Timeout = 1, 20*time.Millisecond, 300*time.Millisecond
	if cfg != nil {
		cfg(&c)
	}
	p := mustNew(t, c)
	l := ledger.New()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, l) }()
	// The connection under test (http-000) has ended once its successor has
	// carried a request.
	testsupport.Eventually(t, 5*time.Second, "a request on http-000.2", func() bool {
		return count(l.Events(), func(e ledger.Event) bool { return e.Kind == ledger.Request && e.Conn == "http-000.2" }) > 0
	})
	cancel()
	testsupport.WaitProbe(t, done, 5*time.Second)
	return l.Events()
}

func firstEnd(t *testing.T, events []ledger.Event) ledger.Event {
	t.Helper()
	ends := lifecycle(t, events)
	e, ok := ends["http-000"]
	if !ok {
		t.Fatalf("http-000 never ended\n%s", dump(events))
	}
	return e
}

// The server reads the second request on a reused connection and closes
// without a byte: the keep-alive race. Not a drop: ClosedByServer, and the
// request is retried at once, visibly, on a new connection.
func TestKeepAliveRaceIsRetriedVisibly(t *testing.T) {
	url := scripted(t, func(n int, c net.Conn, br *bufio.Reader) {
		if n == 1 {
			answer(c, br, "")
			nethttp.ReadRequest(br)
			return // close without answering
		}
		for answer(c, br, "") {
		}
	})
	events := runScripted(t, url, nil)
	end := firstEnd(t, events)
	if end.Kind != ledger.ClosedByServer || end.Detail["how"] != "closed-before-response" {
		t.Fatalf("first connection ended %s %v, want closed-by-server closed-before-response\n%s", end.Kind, end.Detail, dump(events))
	}
	var retry *ledger.Event
	for i, e := range events {
		if e.Kind == ledger.Request && e.Conn == "http-000.2" {
			retry = &events[i]
			break
		}
	}
	if retry == nil || retry.Detail["retry_of"] != "http-000" || retry.Code != 200 {
		t.Fatalf("retry request: %+v\n%s", retry, dump(events))
	}
	if retry.Time.Sub(end.Time) > 10*time.Millisecond {
		t.Fatalf("retry went out %s after the loss, want at once", retry.Time.Sub(end.Time))
	}
	if n := count(events, kind(ledger.Drop)); n != 0 {
		t.Fatalf("%d drops", n)
	}
}

// The same close on a fresh connection is a drop: there is no race to
// excuse it (net/http's Transport does not retry that either).
func TestCloseBeforeFirstResponseIsADrop(t *testing.T) {
	url := scripted(t, func(n int, c net.Conn, br *bufio.Reader) {
		nethttp.ReadRequest(br)
	})
	end := firstEnd(t, runScripted(t, url, nil))
	if end.Kind != ledger.Drop || end.Cause != ledger.CauseEOF || end.Detail["response_bytes"] != "0" {
		t.Fatalf("got %s cause=%s %v, want drop eof with 0 response bytes", end.Kind, end.Cause, end.Detail)
	}
}

func TestDropCauses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script func(c net.Conn, br *bufio.Reader)
		cause  ledger.Cause
	}{
		{"header then close", func(c net.Conn, br *bufio.Reader) {
			nethttp.ReadRequest(br)
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly some"))
		}, ledger.CauseTruncated},
		{"chunked stream cut", func(c net.Conn, br *bufio.Reader) {
			nethttp.ReadRequest(br)
			c.Write([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nchunk\r\n"))
		}, ledger.CauseTruncated},
		{"half a header", func(c net.Conn, br *bufio.Reader) {
			nethttp.ReadRequest(br)
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Le"))
		}, ledger.CauseEOF},
		{"silence", func(c net.Conn, br *bufio.Reader) {
			nethttp.ReadRequest(br)
			time.Sleep(2 * time.Second)
		}, ledger.CauseTimeout},
		{"reset", func(c net.Conn, br *bufio.Reader) {
			nethttp.ReadRequest(br)
			c.(*net.TCPConn).SetLinger(0)
		}, ledger.CauseReset},
		{"not HTTP", func(c net.Conn, br *bufio.Reader) {
			nethttp.ReadRequest(br)
			c.Write([]byte("SSH-2.0-hello\r\n\r\n"))
			time.Sleep(time.Second)
		}, ledger.CauseProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := scripted(t, func(n int, c net.Conn, br *bufio.Reader) {
				if n == 1 {
					tc.script(c, br)
					return
				}
				for answer(c, br, "") {
				}
			})
			events := runScripted(t, url, nil)
			end := firstEnd(t, events)
			if end.Kind != ledger.Drop || end.Cause != tc.cause {
				t.Fatalf("got %s cause=%q (%s), want drop %s\n%s", end.Kind, end.Cause, end.Error, tc.cause, dump(events))
			}
			failed := count(events, func(e ledger.Event) bool {
				return e.Kind == ledger.Request && e.Conn == "http-000" && e.Cause == tc.cause && e.Error != ""
			})
			if failed != 1 {
				t.Fatalf("%d failed Request events on the dropped connection, want 1", failed)
			}
		})
	}
}

// A complete response with Connection: close is a clean end by the server;
// the slot dials again at its next tick.
func TestConnectionCloseIsClosedByServer(t *testing.T) {
	url := scripted(t, func(n int, c net.Conn, br *bufio.Reader) {
		if n == 1 {
			answer(c, br, "Connection: close\r\n")
			return
		}
		for answer(c, br, "") {
		}
	})
	events := runScripted(t, url, nil)
	end := firstEnd(t, events)
	if end.Kind != ledger.ClosedByServer || end.Detail["how"] != "connection-close" {
		t.Fatalf("got %s %v, want closed-by-server connection-close", end.Kind, end.Detail)
	}
	if n := count(events, func(e ledger.Event) bool { return e.Kind == ledger.Request && e.Error != "" }); n != 0 {
		t.Fatalf("%d failed requests", n)
	}
}

// The run ending mid-stream is the client's doing: ClosedByClient with
// in_flight, no failed Request event, no drop.
func TestRunEndMidStreamIsClosedByClient(t *testing.T) {
	url := scripted(t, func(n int, c net.Conn, br *bufio.Reader) {
		nethttp.ReadRequest(br)
		c.Write([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
		for i := 0; i < 200; i++ {
			if _, err := c.Write([]byte("6\r\nchunk\n\r\n")); err != nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	c := DefaultConfig(url+"stream", 300*time.Millisecond)
	c.Connections, c.Stream = 2, true
	p := mustNew(t, c)
	l := ledger.New()
	testsupport.WaitProbe(t, started(context.Background(), t, p, l), 5*time.Second)
	events := l.Events()
	for id, e := range lifecycle(t, events) {
		if e.Kind != ledger.ClosedByClient || e.Detail["in_flight"] != "true" {
			t.Errorf("%s: %s %v, want closed-by-client in flight", id, e.Kind, e.Detail)
		}
	}
	if n := count(events, kind(ledger.Request)); n != 0 || p.Stats().Errors.Load() != 0 {
		t.Fatalf("%d request events for streams the client cut", n)
	}
	if !strings.Contains(p.TargetURL(), "/stream") {
		t.Fatalf("target %s", p.TargetURL())
	}
}
