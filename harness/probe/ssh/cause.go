package ssh

import (
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"
)

// Causes, as written to Drop and DialFailure events.
const (
	CauseEOF              = "eof"               // the TCP connection ended (FIN) mid-session
	CauseReset            = "reset"             // RST
	CauseTimeout          = "timeout"           // a socket timeout (dial, handshake, or kernel ETIMEDOUT)
	CauseHeartbeatTimeout = "heartbeat-timeout" // a heartbeat unanswered for DropAfter
	CauseRefused          = "refused"           // dial refused (nobody listening)
	CauseBrokenPipe       = "broken-pipe"       // write on a connection the peer had closed
	CauseClosed           = "closed"            // the session channel closed with no exit status, or anything unrecognised
	CauseUnreachable      = "unreachable"       // dial: no route
	CauseDNS              = "dns"               // dial: name did not resolve
	CauseHostKey          = "host-key"          // dial: host key not the pinned one
	CauseAuth             = "auth"              // dial: the server refused the key
	CauseHandshake        = "handshake"         // dial: SSH handshake failed otherwise
	CauseSession          = "session"           // dial: opening the session or exec'ing the command failed
	CauseCancelled        = "cancelled"         // dial interrupted by the end of the run (a Note, not a failure)
)

// CauseExitStatus is the cause of a session whose command exited with a
// non-zero status n (128+signal number for a signal), e.g. "exit-status-143".
func CauseExitStatus(n int) string { return "exit-status-" + strconv.Itoa(n) }

// connCause names why a connection's transport ended, from the first I/O
// error seen on the socket.
func connCause(err error) string {
	switch {
	case err == nil:
		return CauseClosed
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED):
		return CauseReset
	case errors.Is(err, syscall.EPIPE):
		return CauseBrokenPipe
	case errors.Is(err, syscall.ECONNREFUSED):
		return CauseRefused
	case errors.Is(err, syscall.ETIMEDOUT), isTimeout(err):
		return CauseTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return CauseEOF
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return CauseUnreachable
	}
	return CauseClosed
}

// dialCause names why a TCP connect failed.
func dialCause(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return CauseDNS
	}
	if c := connCause(err); c != CauseClosed {
		return c
	}
	return CauseHandshake
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
