package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
)

func opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Err: &os.SyscallError{Syscall: op, Err: err}}
}

func TestCauseOfNamesTypedErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Cause
	}{
		{nil, CauseClosed},
		{net.ErrClosed, CauseClosed},
		{io.EOF, CauseEOF},
		{fmt.Errorf("ssh: %w", io.ErrUnexpectedEOF), CauseEOF},
		{opErr("read", syscall.ECONNRESET), CauseReset},
		{opErr("read", syscall.ECONNABORTED), CauseReset},
		{opErr("write", syscall.EPIPE), CauseBrokenPipe},
		{opErr("dial", syscall.ECONNREFUSED), CauseRefused},
		{opErr("read", syscall.ETIMEDOUT), CauseTimeout},
		{os.ErrDeadlineExceeded, CauseTimeout},
		{context.DeadlineExceeded, CauseTimeout},
		{context.Canceled, CauseCancelled},
		{opErr("dial", syscall.EHOSTUNREACH), CauseUnreachable},
		{opErr("dial", syscall.ENETUNREACH), CauseUnreachable},
		{&net.DNSError{Err: "no such host", Name: "nope"}, CauseDNS},
		{errors.New("something else"), CauseOther},
	} {
		if got := CauseOf(tc.err); got != tc.want {
			t.Errorf("CauseOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// vegeta keeps only an error's text: the same facts, read from Go's words.
func TestCauseOfReadsErrorText(t *testing.T) {
	for msg, want := range map[string]Cause{
		`Get "http://x/": dial tcp 10.0.0.1:80: connect: connection refused`:              CauseRefused,
		`Get "http://x/": read tcp 1.2.3.4:5->6.7.8.9:80: read: connection reset by peer`: CauseReset,
		`Get "http://x/": write tcp 1.2.3.4:5->6.7.8.9:80: write: broken pipe`:            CauseBrokenPipe,
		`Get "http://x/": context deadline exceeded (Client.Timeout exceeded)`:            CauseTimeout,
		`Get "http://x/": EOF`: CauseEOF,
		`Get "https://x/": tls: failed to verify certificate: x509: unknown authority`: CauseTLS,
		`Get "http://x/": dial tcp: lookup x: no such host`:                            CauseDNS,
		`net/http: HTTP/1.x transport connection broken: malformed HTTP response`:      CauseOther,
	} {
		if got := CauseOf(errors.New(msg)); got != want {
			t.Errorf("CauseOf(%q) = %q, want %q", msg, got, want)
		}
	}
}

// Ledgers written before one vocabulary said "error" where today says "other".
func TestEventReadsAnEarlierLedgersCauseWords(t *testing.T) {
	for in, want := range map[string]Cause{"error": CauseOther, "reset": CauseReset, "closed": CauseClosed, "exit-status-143": CauseExitStatus(143)} {
		var e Event
		if err := json.Unmarshal([]byte(`{"seq":1,"t":"2026-01-02T15:04:05Z","kind":"drop","cause":"`+in+`"}`), &e); err != nil {
			t.Fatal(err)
		}
		if e.Cause != want {
			t.Errorf("cause %q read as %q, want %q", in, e.Cause, want)
		}
	}
}
