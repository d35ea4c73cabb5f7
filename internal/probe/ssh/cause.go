package ssh

import "github.com/drainproof/drainproof/internal/ledger"

// handshakeCause names why a connection failed before its command ran: the
// socket's own error when it names one, else the SSH handshake itself.
func handshakeCause(err error) ledger.Cause {
	switch c := ledger.CauseOf(err); c {
	case ledger.CauseClosed, ledger.CauseOther:
		return ledger.CauseHandshake
	default:
		return c
	}
}
