package ssh

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/probe"
)

// conn is one established probe connection: TCP, SSH, one exec'd session.
type conn struct {
	tc      *trackedConn
	client  *gossh.Client
	session *gossh.Session
	stdin   io.Writer // the session channel; heartbeats go here
	stdout  io.Reader // the echo comes back here
	peer    string    // the address the server saw, from its banner ("" without one)
	pod     string    // the pod named in the banner, if any
	local   string    // our end of the TCP connection
	setup   time.Duration
}

// close ends the connection as the client: channel close, then the socket.
func (c *conn) close() {
	c.session.Close()
	c.client.Close()
}

// dialError is a connection attempt that did not become a usable session.
// cause goes into a DialFailure event; setup is the same failure as a
// *probe.SetupError naming the flag or file at fault, for Preflight.
type dialError struct {
	cause ledger.Cause
	err   error
	setup error
}

func (e *dialError) Error() string { return e.err.Error() }

// trackedConn remembers the first I/O error on the socket. The SSH transport
// reads the socket before it tears its channels down, so by the time a
// session sees its channel closed, the error that killed the connection
// (EOF, reset, ...) is already recorded here.
type trackedConn struct {
	net.Conn
	first atomic.Pointer[error]
}

func (c *trackedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil {
		c.note(err)
	}
	return n, err
}

func (c *trackedConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if err != nil {
		c.note(err)
	}
	return n, err
}

// note keeps err if it is the first. Not inlined, so that only a failing
// Read or Write moves an error to the heap (every heartbeat passes here).
//
//go:noinline
func (c *trackedConn) note(err error) { c.first.CompareAndSwap(nil, &err) }

// firstErr is the first read or write error, nil while the socket is healthy.
func (c *trackedConn) firstErr() error {
	if p := c.first.Load(); p != nil {
		return *p
	}
	return nil
}

// dial connects, handshakes, authenticates and starts the command, all
// within DialTimeout; ctx's end aborts it with cause "cancelled".
func (p *Probe) dial(ctx context.Context) (*conn, *dialError) {
	began := time.Now()
	d := net.Dialer{Timeout: p.cfg.DialTimeout}
	nc, err := d.DialContext(ctx, "tcp", p.cfg.Addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, cancelled(ctx)
		}
		return nil, &dialError{cause: handshakeCause(err), err: err,
			setup: probe.Setupf(FlagAddr, "cannot connect to %s: %v", p.cfg.Addr, err)}
	}
	tc := &trackedConn{Conn: nc}
	tc.SetDeadline(began.Add(p.cfg.DialTimeout))
	// An ended ctx interrupts the handshake by expiring the deadline.
	stop := context.AfterFunc(ctx, func() { tc.SetDeadline(time.Unix(1, 0)) })
	c, derr := p.handshake(tc)
	if !stop() || ctx.Err() != nil {
		if c != nil {
			c.close()
		} else {
			tc.Close()
		}
		return nil, cancelled(ctx)
	}
	if derr != nil {
		tc.Close()
		return nil, derr
	}
	tc.SetDeadline(time.Time{})
	c.setup = time.Since(began)
	return c, nil
}

func cancelled(ctx context.Context) *dialError {
	return &dialError{cause: ledger.CauseCancelled, err: context.Cause(ctx), setup: context.Cause(ctx)}
}

// handshake runs SSH over tc up to a started command.
func (p *Probe) handshake(tc *trackedConn) (*conn, *dialError) {
	c := &conn{tc: tc, local: tc.LocalAddr().String()}
	var hostKeyErr error
	var offered gossh.PublicKey
	var hostKeyOK bool
	cfg := *p.client // shallow copy: per-connection callbacks below
	cfg.BannerCallback = func(msg string) error {
		c.peer, c.pod, _ = ParseBanner(msg)
		return nil
	}
	cfg.HostKeyCallback = func(host string, remote net.Addr, key gossh.PublicKey) error {
		offered = key
		if err := p.hostKeys.callback(host, remote, key); err != nil {
			hostKeyErr = err
			return err
		}
		hostKeyOK = true
		return nil
	}
	sc, chans, reqs, err := gossh.NewClientConn(tc, p.cfg.Addr, &cfg)
	if err != nil {
		switch {
		case hostKeyErr != nil:
			return nil, &dialError{cause: ledger.CauseHostKey, err: err, setup: p.hostKeys.explain(hostKeyErr, offered)}
		case hostKeyOK && strings.Contains(err.Error(), "unable to authenticate"):
			return nil, &dialError{cause: ledger.CauseAuth, err: err, setup: probe.Setupf(FlagKey,
				"%s refused key %s (%s) for user %q (%s)", p.cfg.Addr, p.cfg.KeyFile, gossh.FingerprintSHA256(p.signer.PublicKey()), p.cfg.User, FlagUser)}
		}
		return nil, p.transportFailure(tc, err, "SSH handshake with")
	}
	c.client = gossh.NewClient(sc, chans, reqs)
	fail := func(derr *dialError) (*conn, *dialError) { c.client.Close(); return nil, derr }
	sess, err := c.client.NewSession()
	if err != nil {
		return fail(p.transportFailure(tc, err, "opening a session on"))
	}
	c.session = sess
	in, err1 := sess.StdinPipe()
	out, err2 := sess.StdoutPipe()
	_, err3 := sess.StderrPipe() // never read: a pipe instead of a copying goroutine per session
	if err := errors.Join(err1, err2, err3); err != nil {
		return fail(&dialError{cause: ledger.CauseSession, err: err, setup: probe.Setupf(FlagCommand, "%v", err)})
	}
	c.stdin, c.stdout = in, out
	if err := sess.Start(p.cfg.Command); err != nil {
		if tc.firstErr() != nil {
			return fail(p.transportFailure(tc, err, "starting the command on"))
		}
		return fail(&dialError{cause: ledger.CauseSession, err: err,
			setup: probe.Setupf(FlagCommand, "%s refused to run %q: %v", p.cfg.Addr, p.cfg.Command, err)})
	}
	return c, nil
}

// transportFailure describes a connection that failed after TCP connect:
// the cause comes from the socket's own error when there is one.
func (p *Probe) transportFailure(tc *trackedConn, err error, doing string) *dialError {
	cause := handshakeCause(err)
	if ioErr := tc.firstErr(); ioErr != nil {
		cause = handshakeCause(ioErr)
	} else if cause != ledger.CauseTimeout {
		cause = ledger.CauseHandshake
	}
	msg := "%s %s failed: %v"
	if cause == ledger.CauseTimeout {
		msg = "%s %s did not complete within " + p.cfg.DialTimeout.String() + " (" + FlagDialTimeout + "): %v"
	}
	return &dialError{cause: cause, err: err, setup: probe.Setupf(FlagAddr, msg, doing, p.cfg.Addr, err)}
}

// ParseBanner reads the fixtures/sshd banner "drainproof-peer: ADDR[ pod=NAME]".
// ok is false for any other banner (peer and pod then empty).
func ParseBanner(msg string) (peer, pod string, ok bool) {
	for _, line := range strings.Split(msg, "\n") {
		rest, found := strings.CutPrefix(strings.TrimSpace(line), "drainproof-peer:")
		if !found {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return "", "", false
		}
		peer = fields[0]
		for _, f := range fields[1:] {
			if v, isPod := strings.CutPrefix(f, "pod="); isPod {
				pod = v
			}
		}
		return peer, pod, true
	}
	return "", "", false
}
