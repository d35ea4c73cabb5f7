package ssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

func TestParseBanner(t *testing.T) {
	for _, tc := range []struct {
		in        string
		peer, pod string
		ok        bool
	}{
		{"drainproof-peer: 10.0.0.7:41234\n", "10.0.0.7:41234", "", true},
		{"drainproof-peer: 10.0.0.7:41234 pod=ns/gw-1\r\n", "10.0.0.7:41234", "ns/gw-1", true},
		{"Welcome!\ndrainproof-peer: [::1]:5 pod=x\n", "[::1]:5", "x", true},
		{"drainproof-peer:\n", "", "", false},
		{"Authorized use only\n", "", "", false},
		{"", "", "", false},
	} {
		peer, pod, ok := ParseBanner(tc.in)
		if peer != tc.peer || pod != tc.pod || ok != tc.ok {
			t.Errorf("ParseBanner(%q) = %q %q %v, want %q %q %v", tc.in, peer, pod, ok, tc.peer, tc.pod, tc.ok)
		}
	}
}

func opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Err: &os.SyscallError{Syscall: op, Err: err}}
}

func TestConnCauseMapsSyscallErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{io.EOF, CauseEOF},
		{fmt.Errorf("ssh: %w", io.ErrUnexpectedEOF), CauseEOF},
		{opErr("read", syscall.ECONNRESET), CauseReset},
		{opErr("write", syscall.EPIPE), CauseBrokenPipe},
		{opErr("dial", syscall.ECONNREFUSED), CauseRefused},
		{opErr("read", syscall.ETIMEDOUT), CauseTimeout},
		{os.ErrDeadlineExceeded, CauseTimeout},
		{opErr("dial", syscall.EHOSTUNREACH), CauseUnreachable},
		{net.ErrClosed, CauseClosed},
		{nil, CauseClosed},
		{errors.New("something else"), CauseClosed},
	} {
		if got := connCause(tc.err); got != tc.want {
			t.Errorf("connCause(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if got := dialCause(&net.DNSError{Err: "no such host", Name: "nope"}); got != CauseDNS {
		t.Errorf("dialCause(dns) = %q", got)
	}
	if got := dialCause(context.DeadlineExceeded); got != CauseTimeout {
		t.Errorf("dialCause(deadline) = %q", got)
	}
	if got := CauseExitStatus(143); got != "exit-status-143" {
		t.Errorf("CauseExitStatus(143) = %q", got)
	}
}

func TestParseSeq(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "7": 7, "1234567890": 1234567890} {
		if got, ok := parseSeq([]byte(in)); !ok || got != want {
			t.Errorf("parseSeq(%q) = %d %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "-1", "12a", "1234567890123456789"} {
		if _, ok := parseSeq([]byte(bad)); ok {
			t.Errorf("parseSeq(%q) accepted", bad)
		}
	}
}

func TestAlgorithmsForRSAIncludeSHA2(t *testing.T) {
	got := algorithmsFor(gossh.KeyAlgoRSA)
	if len(got) != 3 || got[0] != gossh.KeyAlgoRSASHA512 || got[2] != gossh.KeyAlgoRSA {
		t.Errorf("algorithmsFor(rsa) = %v", got)
	}
	if got := algorithmsFor(gossh.KeyAlgoED25519); len(got) != 1 || got[0] != gossh.KeyAlgoED25519 {
		t.Errorf("algorithmsFor(ed25519) = %v", got)
	}
}
