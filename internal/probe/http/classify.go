package http

import (
	"errors"
	"net"

	"github.com/drainproof/drainproof/internal/ledger"
)

// phase is where in a request a failure happened; it decides eof vs truncated.
type phase int

const (
	phaseWrite  phase = iota // writing the request
	phaseHeader              // waiting for / reading the status line and headers
	phaseBody                // reading the body
)

// requestCause names why a request in flight failed: ledger.CauseOf, refined
// by the phase (an EOF in the body is a truncated response; anything not an
// I/O error after the request was written is a protocol error).
func requestCause(err error, ph phase) ledger.Cause {
	c := ledger.CauseOf(err)
	switch {
	case c == ledger.CauseEOF && ph == phaseBody:
		return ledger.CauseTruncated
	case c == ledger.CauseOther && ph != phaseWrite && isProtocol(err):
		return ledger.CauseProtocol
	}
	return c
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
