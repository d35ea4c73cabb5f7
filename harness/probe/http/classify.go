package http

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// Causes, as written to events.
const (
	CauseEOF         = "eof"
	CauseTruncated   = "truncated"
	CauseReset       = "reset"
	CauseTimeout     = "timeout"
	CauseProtocol    = "protocol"
	CauseRefused     = "refused"
	CauseUnreachable = "unreachable"
	CauseDNS         = "dns"
	CauseError       = "error"
)

// phase is where in a request a failure happened; it decides eof vs truncated.
type phase int

const (
	phaseWrite  phase = iota // writing the request
	phaseHeader              // waiting for / reading the status line and headers
	phaseBody                // reading the body
)

// requestCause names why a request in flight failed.
func requestCause(err error, ph phase) string {
	switch {
	case isTimeout(err):
		return CauseTimeout
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return CauseReset
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		if ph == phaseBody {
			return CauseTruncated
		}
		return CauseEOF
	case ph != phaseWrite && isProtocol(err):
		return CauseProtocol
	}
	return CauseError
}

// dialCause names why a connection attempt failed.
func dialCause(err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return CauseRefused
	case isTimeout(err):
		return CauseTimeout
	case errors.Is(err, syscall.ECONNRESET):
		return CauseReset
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return CauseUnreachable
	case errors.As(err, &dnsErr):
		return CauseDNS
	}
	return CauseError
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isProtocol: the bytes arrived but were not HTTP (net/http's parse errors
// are not exported types; anything that is not an I/O error is one).
func isProtocol(err error) bool {
	var opErr *net.OpError
	return !errors.As(err, &opErr)
}
