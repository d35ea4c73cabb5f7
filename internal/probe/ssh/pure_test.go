package ssh

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"github.com/drainproof/drainproof/internal/ledger"
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

func TestHandshakeCauseNamesTheHandshakeWhenTheErrorDoesNot(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want ledger.Cause
	}{
		{&net.DNSError{Err: "no such host", Name: "nope"}, ledger.CauseDNS},
		{context.DeadlineExceeded, ledger.CauseTimeout},
		{opErr("read", syscall.ECONNRESET), ledger.CauseReset},
		{net.ErrClosed, ledger.CauseHandshake},
		{errors.New("ssh: handshake failed: something else"), ledger.CauseHandshake},
	} {
		if got := handshakeCause(tc.err); got != tc.want {
			t.Errorf("handshakeCause(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if got := ledger.CauseExitStatus(143); got != "exit-status-143" {
		t.Errorf("ledger.CauseExitStatus(143) = %q", got)
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
