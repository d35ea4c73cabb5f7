package ssh

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/probe"
	"github.com/drainproof/drainproof/internal/testsupport"
	"github.com/drainproof/drainproof/internal/verdict"
)

// Two sshd backends with different host keys behind one round-robin
// haproxy: the preflight sees the pinned key, a later session the other.
// That is a setup error (another server at the same address), recorded as
// INCOMPLETE, never a dial failure inside a passing run.
func TestHostKeyChangeAfterPreflightIsASetupError(t *testing.T) {
	a := testsupport.StartSSHD(t, []string{"POD_NAME=sshd-a"})
	b := testsupport.StartSSHD(t, []string{"POD_NAME=sshd-b"}, "--authorized-keys", a.Client.AuthorizedKeysFile)
	if string(a.HostKey.Marshal()) == string(b.HostKey.Marshal()) {
		t.Fatal("the two fixtures share a host key")
	}
	proxy := testsupport.StartHAProxy(t, testsupport.HAProxyTCP, a.Addr, b.Addr)
	tg := fixtureTarget(a)
	tg.addr = proxy.Addr
	tg.knownHosts = filepath.Join(t.TempDir(), "known_hosts")
	testsupport.WriteKnownHosts(t, tg.knownHosts, proxy.Addr, a.HostKey) // b's key is not pinned

	p := mustNew(t, testConfig(tg, 6, func(c *Config) { c.Lifetime = 30 * time.Second; c.DialConcurrency = 1 }))
	// Round-robin: a preflight that met b is followed by one that meets a.
	var err error
	for range 4 {
		if err = p.Preflight(context.Background()); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("no preflight reached the pinned backend: %v", err)
	}
	l := ledger.New()
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background(), l) }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("Run went on for 30s after a host key change:\n%s", dump(l.Events()))
	}
	var se *probe.SetupError
	if !errors.As(err, &se) || se.Field != FlagKnownHosts || !strings.Contains(err.Error(), "host key mismatch") {
		t.Fatalf("Run: %v, want a *probe.SetupError for %s naming the mismatch", err, FlagKnownHosts)
	}
	es := l.Events()
	if count(es, ledger.Drop) != 0 || count(es, ledger.Incomplete) != 1 {
		t.Fatalf("want no drop and one Incomplete event:\n%s", dump(es))
	}
	if v := verdict.Evaluate(verdict.Expect{}, es); v.Outcome != verdict.Incomplete {
		t.Fatalf("outcome %s, want INCOMPLETE:\n%s", v.Outcome, dump(es))
	}
}
