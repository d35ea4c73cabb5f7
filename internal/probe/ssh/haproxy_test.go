package ssh

import (
	"context"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

// backend is an SSH server a real haproxy forwards to.
type backend struct {
	tg      target
	hostKey gossh.PublicKey
	banner  bool // it reports the peer it sees (fixtures/sshd does, OpenSSH does not)
}

func fixtureBackend(t *testing.T) backend {
	s := testsupport.StartSSHD(t, []string{"POD_NAME=sshd-0"})
	return backend{tg: fixtureTarget(s), hostKey: s.HostKey, banner: true}
}

func opensshBackend(t *testing.T) backend {
	s := testsupport.StartOpenSSHD(t)
	return backend{tg: target{addr: s.Addr, user: s.User, keyFile: s.Client.KeyFile, knownHosts: s.KnownHosts}, hostKey: s.HostKey}
}

// exitWatch records when a process exited.
func exitWatch(done <-chan struct{}) func() time.Time {
	var at time.Time
	exited := make(chan struct{})
	go func() { <-done; at = time.Now(); close(exited) }()
	return func() time.Time { <-exited; return at }
}

// testSoftStop: haproxy stops listening while sessions are live; they all
// live out their lifetime (no drop), then haproxy exits.
func testSoftStop(t *testing.T, b backend) {
	proxy := testsupport.StartHAProxy(t, testsupport.HAProxyTCP, b.tg.addr)
	tg := via(t, b.tg, proxy.Addr, b.hostKey)
	const n = 10
	const lifetime = 3 * time.Second
	p := mustNew(t, testConfig(tg, n, func(c *Config) { c.Lifetime = lifetime }))
	if err := p.Preflight(context.Background()); err != nil {
		t.Fatalf("Preflight through haproxy: %v", err)
	}
	r := startRun(t, p)
	r.waitOpen(t, n)
	exitedAt := exitWatch(proxy.Done())
	stopAt := time.Now()
	if err := proxy.SoftStop(); err != nil {
		t.Fatal(err)
	}
	testsupport.WaitRefused(t, proxy.Addr, 5*time.Second) // the soft stop took effect
	select {
	case <-proxy.Done():
		t.Fatalf("haproxy exited at once with %d live sessions:\n%s", n, proxy.Output())
	default:
	}
	es := r.wait(t, 30*time.Second)
	ends := checkLifecycle(t, es, tg.addr, b.banner)
	if len(ends) != n || count(es, ledger.ClosedByClient) != n || count(es, ledger.Drop) != 0 {
		t.Fatalf("soft stop: want %d ClosedByClient, 0 drops:\n%s", n, dump(es))
	}
	var last time.Time
	for c, e := range ends {
		if e.Detail["reason"] != "lifetime" || !e.Time.After(stopAt) {
			t.Errorf("%s: reason %q at %s, soft stop at %s", c, e.Detail["reason"], e.Time, stopAt)
		}
		if e.Time.After(last) {
			last = e.Time
		}
	}
	if b.banner {
		for _, e := range ofKind(es, ledger.Established) {
			if e.Peer == "" || e.Peer == e.Detail["local"] {
				t.Errorf("%s: peer %q should be haproxy's address, not ours (%s)", e.Conn, e.Peer, e.Detail["local"])
			}
		}
	}
	select {
	case <-proxy.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("haproxy still running after every session ended:\n%s", proxy.Output())
	}
	if at := exitedAt(); !at.After(last) {
		t.Errorf("haproxy exited at %s, before the last session closed at %s", at, last)
	}
}

// testHardStop: haproxy is terminated while sessions are live; every one
// of them is a drop, recorded after the stop.
func testHardStop(t *testing.T, b backend) {
	proxy := testsupport.StartHAProxy(t, testsupport.HAProxyTCP, b.tg.addr)
	tg := via(t, b.tg, proxy.Addr, b.hostKey)
	const n = 10
	p := mustNew(t, testConfig(tg, n, func(c *Config) { c.Lifetime = time.Minute }))
	r := startRun(t, p)
	r.waitOpen(t, n)
	stopAt := time.Now()
	if err := proxy.HardStop(); err != nil {
		t.Fatal(err)
	}
	es := r.wait(t, 30*time.Second)
	ends := checkLifecycle(t, es, tg.addr, b.banner)
	if len(ends) != n || count(es, ledger.Drop) != n {
		t.Fatalf("hard stop: want %d drops:\n%s", n, dump(es))
	}
	for c, e := range ends {
		if !e.Time.After(stopAt) {
			t.Errorf("%s: drop at %s, before the stop at %s", c, e.Time, stopAt)
		}
		if e.Cause != ledger.CauseEOF && e.Cause != ledger.CauseReset {
			t.Errorf("%s: cause %q, want eof or reset", c, e.Cause)
		}
	}
	if got := p.Stats().Drops.Load(); got != n {
		t.Errorf("Stats.Drops %d, want %d", got, n)
	}
}

func TestHAProxySoftStopFixtureNoDrops(t *testing.T) { testSoftStop(t, fixtureBackend(t)) }
func TestHAProxyHardStopFixtureAllDrop(t *testing.T) { testHardStop(t, fixtureBackend(t)) }
func TestHAProxySoftStopOpenSSHNoDrops(t *testing.T) { testSoftStop(t, opensshBackend(t)) }
func TestHAProxyHardStopOpenSSHAllDrop(t *testing.T) { testHardStop(t, opensshBackend(t)) }
