package http

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	nethttp "net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// readBufSize is per connection; fixtures' headers are a few hundred bytes
// and net/http's parsers handle longer lines across buffer refills.
const readBufSize = 1024

// minIdleWait: even when a request is already due, the idle check blocks this
// long so a close the server sent earlier is read (a deadline already in the
// past returns before looking at the socket at all).
const minIdleWait = time.Millisecond

// conn is one established TCP connection, from Established to its end event.
// Only its slot's goroutine uses it, except abort (the run's end), which may
// run concurrently and only sets closing and closes the socket.
type conn struct {
	p       *Probe
	id      string
	nc      net.Conn
	rd      progressReader
	br      *bufio.Reader
	closing atomic.Bool // set by the client before it closes nc: errors after it are not drops
	peer    string      // from the last response, for attributing the connection's end
	pod     string
	served  int    // complete responses so far: > 0 means the connection is reused
	retryOf string // set on a connection dialled to retry a request: the connection that lost it
}

// progressReader counts bytes and, while a request is in flight, moves the
// read deadline forward on every read: Timeout is the longest silence
// tolerated, not a cap on a long stream.
type progressReader struct {
	nc      net.Conn
	timeout time.Duration // 0 while idle: the idle wait sets its own deadline
	n       int64
	err     error // the last read error: the socket's own story when a parser fails
}

func (r *progressReader) Read(b []byte) (int, error) {
	if r.timeout > 0 {
		r.nc.SetReadDeadline(time.Now().Add(r.timeout))
	}
	n, err := r.nc.Read(b)
	r.n += int64(n)
	if err != nil {
		r.err = err
	}
	return n, err
}

func newConn(p *Probe, id string, nc net.Conn) *conn {
	c := &conn{p: p, id: id, nc: nc}
	c.rd.nc = nc
	c.br = bufio.NewReaderSize(&c.rd, readBufSize)
	return c
}

// ending is how a connection ended; exactly one is recorded per connection.
type ending struct {
	kind   ledger.Kind
	cause  ledger.Cause
	err    string
	detail map[string]string
	retry  bool // the request in flight was never answered and may be retried (see keepAliveRace)
}

func clientEnded(inFlight bool) ending {
	e := ending{kind: ledger.ClosedByClient}
	if inFlight {
		e.detail = map[string]string{"in_flight": "true"}
	}
	return e
}

// serve runs requests on c until it ends, records the end, and returns how
// it ended.
func (c *conn) serve(ctx context.Context, s *slot) ending {
	stop := context.AfterFunc(ctx, c.abort)
	e := c.loop(s)
	stop()
	c.nc.Close()
	p := c.p
	p.stats.Open.Add(-1)
	if e.kind == ledger.Drop {
		p.stats.Drops.Add(1)
	}
	p.add(s.l, ledger.Event{Kind: e.kind, Conn: c.id, Peer: c.peer,
		Cause: e.cause, Error: e.err, Detail: servedBy(e.detail, c.pod)})
	return e
}

// abort is the client ending the connection at the run's end.
func (c *conn) abort() {
	c.closing.Store(true)
	c.nc.Close()
}

func (c *conn) loop(s *slot) ending {
	for {
		wake := s.next
		if c.retryOf != "" {
			wake = time.Now() // the retry goes out at once; the grid is kept for what follows
		}
		if !s.lifetimeEnd.IsZero() && s.lifetimeEnd.Before(wake) {
			wake = s.lifetimeEnd
		}
		if e, ok := c.idle(wake); !ok {
			return e
		}
		if c.closing.Load() || s.lifetimeOver(time.Now()) {
			return clientEnded(false)
		}
		res := c.request()
		s.advance(time.Now())
		if res.err != nil && c.closing.Load() {
			return clientEnded(true)
		}
		if c.keepAliveRace(res) {
			return ending{kind: ledger.ClosedByServer, err: res.err.Error(), retry: true,
				detail: map[string]string{"how": "closed-before-response", "cause": string(res.cause)}}
		}
		c.record(s.l, res)
		c.retryOf = ""
		if res.err != nil {
			return ending{kind: ledger.Drop, cause: res.cause, err: res.err.Error(),
				detail: map[string]string{"response_bytes": strconv.FormatInt(res.bytes, 10)}}
		}
		c.served++
		if res.close {
			return ending{kind: ledger.ClosedByServer, detail: map[string]string{"how": "connection-close"}}
		}
	}
}

// keepAliveRace: the server closed a reused keep-alive connection as idle
// while this request was on its way (EOF, reset or broken pipe, not one
// response byte).
// HTTP/1.1 allows that close, and the client cannot tell it from a server that
// read the request and died, so, like net/http's Transport (and browsers), the
// probe retries the idempotent GET once on a fresh connection, but visibly:
// the connection ends ClosedByServer (how=closed-before-response) and the
// retry's Request event names it in Detail["retry_of"]. A request that fails
// so on a fresh connection, or after any response byte, or by timeout, is a
// Drop; a retry that cannot dial is a DialFailure.
func (c *conn) keepAliveRace(res result) bool {
	return res.err != nil && c.served > 0 && res.bytes == 0 &&
		(res.cause == ledger.CauseEOF || res.cause == ledger.CauseReset || res.cause == ledger.CauseBrokenPipe)
}

// idle waits, with no request in flight, until wake. ok is true when wake
// came and the connection is still open; otherwise the ending says why not.
func (c *conn) idle(wake time.Time) (e ending, ok bool) {
	c.rd.timeout = 0
	if min := time.Now().Add(minIdleWait); wake.Before(min) {
		wake = min
	}
	c.nc.SetReadDeadline(wake)
	_, err := c.br.Peek(1)
	switch {
	case c.closing.Load():
		return clientEnded(false), false
	case err == nil:
		return ending{kind: ledger.Drop, cause: ledger.CauseProtocol, err: "bytes arrived with no request in flight",
			detail: map[string]string{"idle": "true"}}, false
	case isTimeout(err):
		return ending{}, true
	case errors.Is(err, io.EOF):
		return ending{kind: ledger.ClosedByServer, detail: map[string]string{"how": "idle-close"}}, false
	}
	return ending{kind: ledger.Drop, cause: requestCause(err, phaseHeader), err: err.Error(),
		detail: map[string]string{"idle": "true"}}, false
}

// result of one request.
type result struct {
	start   time.Time
	latency time.Duration
	code    int
	close   bool  // the response said Connection: close (or had no framing but EOF)
	bytes   int64 // response bytes received, headers included
	err     error
	cause   ledger.Cause
}

func (c *conn) request() result {
	timeout := c.p.cfg.Timeout
	c.rd.timeout = timeout
	n0 := c.rd.n
	c.rd.err = nil
	r := result{start: time.Now()}
	fail := func(err error, ph phase) result {
		if c.rd.err != nil && ph != phaseWrite {
			// A parser that met the end of the stream says "malformed";
			// the socket says what happened (EOF, reset, timeout).
			err = c.rd.err
		}
		r.latency = time.Since(r.start)
		r.bytes = c.rd.n - n0
		r.err, r.cause = err, requestCause(err, ph)
		return r
	}
	c.nc.SetWriteDeadline(r.start.Add(timeout))
	if _, err := c.nc.Write(c.p.target.request); err != nil {
		return fail(err, phaseWrite)
	}
	resp, err := nethttp.ReadResponse(c.br, nil)
	if err != nil {
		return fail(err, phaseHeader)
	}
	r.code = resp.StatusCode
	c.p.responding.Add(1)
	defer c.p.responding.Add(-1)
	if peer := resp.Header.Get(HeaderPeer); peer != "" {
		c.peer = peer
	}
	if pod := resp.Header.Get(HeaderPod); pod != "" {
		c.pod = pod
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fail(err, phaseBody)
	}
	resp.Body.Close()
	r.latency = time.Since(r.start)
	r.bytes = c.rd.n - n0
	r.close = resp.Close
	return r
}

// record writes the Request event for res and counts it.
func (c *conn) record(l *ledger.Ledger, res result) {
	p := c.p
	e := ledger.Event{Time: res.start, Kind: ledger.Request, Conn: c.id, Peer: c.peer,
		Code: res.code, Latency: res.latency}
	if c.retryOf != "" {
		e.Detail = map[string]string{"retry_of": c.retryOf}
	}
	e.Detail = servedBy(e.Detail, c.pod)
	switch {
	case res.err != nil:
		e.Cause, e.Error = res.cause, res.err.Error()
	case res.code < 200 || res.code > 399:
		e.Error = nethttp.StatusText(res.code)
		if e.Error == "" {
			e.Error = "status " + strconv.Itoa(res.code)
		}
	}
	p.stats.Requests.Add(1)
	if e.Error != "" {
		p.stats.Errors.Add(1)
	}
	p.add(l, e)
}

// servedBy records the pod the server named itself as (X-Drainproof-Pod) in
// Detail["pod"]: the verdict attributes a connection to its peer's pod first
// (behind an HTTP gateway, the gateway pod carries it) and to the server's
// self-report when the peer is no pod (a NodePort's SNAT address).
func servedBy(d map[string]string, pod string) map[string]string {
	if pod == "" {
		return d
	}
	out := make(map[string]string, len(d)+1)
	for k, v := range d {
		out[k] = v
	}
	out["pod"] = pod
	return out
}
