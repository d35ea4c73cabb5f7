package ledger

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
)

// Cause says how a connection, request or call failed: the one vocabulary of
// Drop, DialFailure, Request, Hit and Outbound events, whichever probe (or the
// in-pod caller) wrote them. CauseOf derives it from a Go error; a probe
// refines it only where it knows more than the error does (the phase of a
// request, an SSH handshake step). The values are the ledger's JSON words.
type Cause string

// Causes any probe can meet, from CauseOf.
const (
	CauseEOF         Cause = "eof"         // the peer ended the TCP connection (FIN) mid-exchange
	CauseReset       Cause = "reset"       // RST (or the kernel aborted the connection)
	CauseBrokenPipe  Cause = "broken-pipe" // a write on a connection the peer had already closed
	CauseTimeout     Cause = "timeout"     // a socket, dial or context deadline passed
	CauseRefused     Cause = "refused"     // dial: nobody listening
	CauseUnreachable Cause = "unreachable" // dial: no route to the host or network
	CauseDNS         Cause = "dns"         // dial: the name did not resolve
	CauseTLS         Cause = "tls"         // a TLS handshake or certificate failure
	CauseCancelled   Cause = "cancelled"   // the run ended first (a Note, never a failure)
	CauseClosed      Cause = "closed"      // ended with no error to name (an SSH channel closed without exit status)
	CauseOther       Cause = "other"       // an error none of the above names (Error keeps its text)
)

// Causes a probe names from what it knows beyond the error.
const (
	CauseTruncated        Cause = "truncated"         // http: the body ended early
	CauseProtocol         Cause = "protocol"          // http: bytes arrived that were not HTTP
	CauseStatus           Cause = "status"            // http: an answer with a failing status code
	CauseHeartbeatTimeout Cause = "heartbeat-timeout" // ssh: a heartbeat unanswered for DropAfter
	CauseHostKey          Cause = "host-key"          // ssh dial: host key not the pinned one
	CauseAuth             Cause = "auth"              // ssh dial: the server refused the key
	CauseHandshake        Cause = "handshake"         // ssh dial: the SSH handshake failed otherwise
	CauseSession          Cause = "session"           // ssh dial: opening the session or exec'ing the command failed
)

// CauseExitStatus is the cause of an SSH session whose command exited with a
// non-zero status n (128+signal number for a signal), e.g. "exit-status-143".
func CauseExitStatus(n int) Cause { return Cause("exit-status-" + strconv.Itoa(n)) }

// oldCauses maps words earlier ledgers wrote to today's: "error" was the
// http and load probes' name for CauseOther.
var oldCauses = map[Cause]Cause{"error": CauseOther}

// UnmarshalText reads a cause, mapping an earlier ledger's word to today's.
func (c *Cause) UnmarshalText(b []byte) error {
	*c = Cause(b)
	if now, ok := oldCauses[*c]; ok {
		*c = now
	}
	return nil
}

// UnmarshalJSON: see UnmarshalText (a Cause is a JSON string).
func (c *Cause) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	return c.UnmarshalText([]byte(s))
}

// CauseOf names how an operation failed from its error: typed errors first
// (syscall numbers, net and TLS error types, io.EOF), then, for errors that
// crossed a boundary as text only (vegeta keeps only a message), the same
// facts in the words Go prints for them. nil is CauseClosed.
func CauseOf(err error) Cause {
	if err == nil {
		return CauseClosed
	}
	if c := typedCause(err); c != "" {
		return c
	}
	return textCause(err.Error())
}

func typedCause(err error) Cause {
	var (
		dnsErr  *net.DNSError
		recErr  tls.RecordHeaderError
		alert   tls.AlertError
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
	)
	switch {
	case errors.Is(err, context.Canceled):
		return CauseCancelled
	case errors.Is(err, net.ErrClosed):
		return CauseClosed
	case errors.Is(err, syscall.ECONNREFUSED):
		return CauseRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED):
		return CauseReset
	case errors.Is(err, syscall.EPIPE):
		return CauseBrokenPipe
	case errors.As(err, &dnsErr):
		return CauseDNS
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return CauseUnreachable
	case errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return CauseTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return CauseEOF
	case errors.As(err, &recErr), errors.As(err, &alert), errors.As(err, &certErr),
		errors.As(err, &unknown), errors.As(err, &host):
		return CauseTLS
	}
	return ""
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// textCauses are Go's messages for the typed cases, in typedCause's order.
var textCauses = []struct {
	cause Cause
	words []string
}{
	{CauseCancelled, []string{"context canceled"}},
	{CauseClosed, []string{"use of closed network connection"}},
	{CauseRefused, []string{"connection refused"}},
	{CauseReset, []string{"connection reset", "connection aborted"}},
	{CauseBrokenPipe, []string{"broken pipe"}},
	{CauseDNS, []string{"no such host"}},
	{CauseUnreachable, []string{"no route to host", "network is unreachable"}},
	{CauseTimeout, []string{"timeout", "Timeout", "deadline exceeded", "timed out"}},
	{CauseEOF, []string{"EOF"}},
	{CauseTLS, []string{"tls: ", "x509: "}},
}

func textCause(msg string) Cause {
	for _, t := range textCauses {
		for _, w := range t.words {
			if strings.Contains(msg, w) {
				return t.cause
			}
		}
	}
	return CauseOther
}
