package ssh

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

func TestFixtureSessionsLiveTheirLifetimeAndCloseByClient(t *testing.T) {
	srv := testsupport.StartSSHD(t, []string{"POD_NAME=sshd-0"})
	tg := fixtureTarget(srv)
	const n = 12
	p := mustNew(t, testConfig(tg, n, func(c *Config) { c.Lifetime = 3 * time.Second }))
	if err := p.Preflight(context.Background()); err != nil {
		t.Fatalf("Preflight: %v", err)
	}
	began := time.Now()
	es := startRun(t, p).wait(t, 30*time.Second)
	ends := checkLifecycle(t, es, tg.addr, true)
	if len(ends) != n || count(es, ledger.ClosedByClient) != n || count(es, ledger.Drop) != 0 {
		t.Fatalf("want %d ClosedByClient and no drop:\n%s", n, dump(es))
	}
	for _, e := range ofKind(es, ledger.Established) {
		// No proxy in between: the server saw our own address, and its pod.
		if e.Peer != e.Detail["local"] || e.Detail["pod"] != "sshd-0" {
			t.Errorf("%s: peer %q local %q pod %q", e.Conn, e.Peer, e.Detail["local"], e.Detail["pod"])
		}
		if !strings.HasPrefix(e.Conn, "ssh-00") {
			t.Errorf("conn id %q, want ssh-00NN", e.Conn)
		}
	}
	for c, e := range ends {
		if e.Detail["reason"] != "lifetime" || e.Detail["heartbeats"] == "0" {
			t.Errorf("%s: reason %q heartbeats %q", c, e.Detail["reason"], e.Detail["heartbeats"])
		}
		if e.Time.Sub(began) < 1500*time.Millisecond {
			t.Errorf("%s closed %s after start, before its lifetime", c, e.Time.Sub(began))
		}
	}
	s := p.Stats()
	if s.Connections.Load() != n || s.Open.Load() != 0 || s.Drops.Load() != 0 || s.DialFailures.Load() != 0 {
		t.Errorf("stats: connections %d open %d drops %d dial failures %d", s.Connections.Load(), s.Open.Load(), s.Drops.Load(), s.DialFailures.Load())
	}
}

func TestFixtureMaxSessionIsClosedByServer(t *testing.T) {
	srv := testsupport.StartSSHD(t, nil, "--max-session", "700ms")
	tg := fixtureTarget(srv)
	const n = 8
	p := mustNew(t, testConfig(tg, n, func(c *Config) { c.Lifetime = time.Minute }))
	es := startRun(t, p).wait(t, 30*time.Second)
	ends := checkLifecycle(t, es, tg.addr, true)
	if len(ends) != n || count(es, ledger.ClosedByServer) != n {
		t.Fatalf("want %d ClosedByServer:\n%s", n, dump(es))
	}
}

func TestCancelClosesEverySessionAsClient(t *testing.T) {
	srv := testsupport.StartSSHD(t, nil)
	tg := fixtureTarget(srv)
	const n = 6
	p := mustNew(t, testConfig(tg, n, func(c *Config) { c.Lifetime = 0 })) // until the run ends
	r := startRun(t, p)
	r.waitOpen(t, n)
	r.cancel()
	es := r.wait(t, 10*time.Second)
	ends := checkLifecycle(t, es, tg.addr, true)
	if len(ends) != n || count(es, ledger.ClosedByClient) != n {
		t.Fatalf("want %d ClosedByClient:\n%s", n, dump(es))
	}
	for c, e := range ends {
		if e.Detail["reason"] != "cancelled" {
			t.Errorf("%s: reason %q, want cancelled", c, e.Detail["reason"])
		}
	}
}

// A frozen server (SIGSTOP) answers late once thawed: stalls, not drops.
func TestFrozenServerThenThawedIsStallNotDrop(t *testing.T) {
	srv := testsupport.StartSSHD(t, nil)
	tg := fixtureTarget(srv)
	const n = 4
	p := mustNew(t, testConfig(tg, n, func(c *Config) {
		c.Lifetime = 0
		c.HeartbeatTimeout = 150 * time.Millisecond
		c.DropAfter = 10 * time.Second
	}))
	r := startRun(t, p)
	r.waitOpen(t, n)
	if err := srv.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// The disruption itself is a freeze of fixed length, well past the
	// heartbeat timeout and well short of DropAfter.
	time.Sleep(600 * time.Millisecond)
	if err := srv.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	testsupport.Eventually(t, 10*time.Second, "a stall on every session", func() bool { return p.Stalls() >= n })
	r.cancel()
	es := r.wait(t, 10*time.Second)
	checkLifecycle(t, es, tg.addr, true)
	if count(es, ledger.Drop) != 0 {
		t.Fatalf("a freeze shorter than DropAfter dropped sessions:\n%s", dump(es))
	}
	for _, e := range ofKind(es, ledger.Stall) {
		if e.Latency < 150*time.Millisecond {
			t.Errorf("%s: stall latency %s under the timeout", e.Conn, e.Latency)
		}
	}
}

// A server that stays frozen past DropAfter: every session drops with
// cause heartbeat-timeout, at or after DropAfter.
func TestFrozenServerIsHeartbeatTimeoutDrop(t *testing.T) {
	srv := testsupport.StartSSHD(t, nil)
	t.Cleanup(func() { srv.Signal(syscall.SIGCONT) })
	tg := fixtureTarget(srv)
	const n = 4
	p := mustNew(t, testConfig(tg, n, func(c *Config) {
		c.Lifetime = time.Minute
		c.HeartbeatTimeout = 100 * time.Millisecond
		c.DropAfter = 500 * time.Millisecond
	}))
	r := startRun(t, p)
	r.waitOpen(t, n)
	frozen := time.Now()
	if err := srv.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	es := r.wait(t, 20*time.Second)
	ends := checkLifecycle(t, es, tg.addr, true)
	if len(ends) != n || count(es, ledger.Drop) != n {
		t.Fatalf("want %d drops:\n%s", n, dump(es))
	}
	// DropAfter counts from the oldest unanswered heartbeat (Latency). That
	// one may have been sent just before the freeze, while the server was
	// still to answer it (under load it may lag by more than a heartbeat):
	// so the drop lies DropAfter after that send, and after the freeze, but
	// not necessarily DropAfter after the freeze.
	for c, e := range ends {
		if e.Cause != ledger.CauseHeartbeatTimeout || e.Latency < 500*time.Millisecond || !e.Time.After(frozen) {
			t.Errorf("%s: cause %q latency %s at +%s; want heartbeat-timeout, unanswered for 500ms, after the freeze", c, e.Cause, e.Latency, e.Time.Sub(frozen))
		}
	}
	if p.Stats().Drops.Load() != n {
		t.Errorf("Stats.Drops %d, want %d", p.Stats().Drops.Load(), n)
	}
}

// A server killed outright: every live session is a drop (eof or reset).
func TestKilledServerIsDrop(t *testing.T) {
	srv := testsupport.StartSSHD(t, nil)
	tg := fixtureTarget(srv)
	const n = 5
	p := mustNew(t, testConfig(tg, n, func(c *Config) { c.Lifetime = time.Minute }))
	r := startRun(t, p)
	r.waitOpen(t, n)
	killed := time.Now()
	srv.Kill()
	es := r.wait(t, 20*time.Second)
	ends := checkLifecycle(t, es, tg.addr, true)
	for c, e := range ends {
		if e.Kind != ledger.Drop || (e.Cause != ledger.CauseEOF && e.Cause != ledger.CauseReset) || e.Time.Before(killed) {
			t.Errorf("%s: %s cause %q at %s (kill at %s)", c, e.Kind, e.Cause, e.Time, killed)
		}
	}
	if len(ends) != n {
		t.Fatalf("%d ends, want %d", len(ends), n)
	}
}

func TestUnreachableAtRunIsDialFailureNotDrop(t *testing.T) {
	srv := testsupport.StartSSHD(t, nil)
	tg := fixtureTarget(srv)
	const n = 3
	p := mustNew(t, testConfig(tg, n, nil))
	srv.Kill()
	<-srv.Done()
	testsupport.WaitRefused(t, tg.addr, 5*time.Second)
	es := startRun(t, p).wait(t, 20*time.Second)
	checkLifecycle(t, es, tg.addr, true)
	fails := ofKind(es, ledger.DialFailure)
	if len(fails) != n || count(es, ledger.Established) != 0 || count(es, ledger.Drop) != 0 {
		t.Fatalf("want %d dial failures and nothing else:\n%s", n, dump(es))
	}
	for _, e := range fails {
		if e.Cause != ledger.CauseRefused {
			t.Errorf("%s: cause %q, want refused", e.Conn, e.Cause)
		}
	}
	if p.Stats().DialFailures.Load() != n || p.Stats().Drops.Load() != 0 {
		t.Errorf("stats: dial failures %d drops %d", p.Stats().DialFailures.Load(), p.Stats().Drops.Load())
	}
}

func TestRedialReplacesServerEndedSessionsUntilTheSlotLifetime(t *testing.T) {
	srv := testsupport.StartSSHD(t, nil, "--max-session", "300ms")
	tg := fixtureTarget(srv)
	const n = 2
	p := mustNew(t, testConfig(tg, n, func(c *Config) { c.Lifetime = 1200 * time.Millisecond; c.Redial = true }))
	es := startRun(t, p).wait(t, 30*time.Second)
	ends := checkLifecycle(t, es, tg.addr, true)
	for _, slot := range []string{"ssh-0001", "ssh-0002"} {
		if _, ok := ends[slot+".2"]; !ok {
			t.Errorf("slot %s never redialed", slot)
		}
	}
	if count(es, ledger.Drop) != 0 || count(es, ledger.ClosedByServer) < 2*n {
		t.Fatalf("want only clean server ends (and maybe a final client close):\n%s", dump(es))
	}
}

// A client close while the server is frozen (its heartbeat unanswered past
// HeartbeatTimeout) says so in the end event: the close proves nothing about
// whether the session was still carried. A close with every heartbeat
// answered does not.
func TestClientCloseRecordsUnansweredHeartbeat(t *testing.T) {
	srv := testsupport.StartSSHD(t, nil)
	t.Cleanup(func() { srv.Signal(syscall.SIGCONT) })
	tg := fixtureTarget(srv)
	const n = 2
	p := mustNew(t, testConfig(tg, n, func(c *Config) {
		c.Lifetime = 0
		c.HeartbeatTimeout = 150 * time.Millisecond
		c.DropAfter = 10 * time.Second
	}))
	r := startRun(t, p)
	r.waitOpen(t, n)
	if err := srv.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// The freeze is scripted: long past the heartbeat timeout (a heartbeat
	// is written within one 100 ms interval of it), short of DropAfter.
	time.Sleep(time.Second)
	r.cancel()
	es := r.wait(t, 10*time.Second)
	for _, e := range ofKind(es, ledger.ClosedByClient) {
		if e.Detail[ledger.DetailUnanswered] == "" {
			t.Errorf("%s: closed while frozen, no %q detail: %v", e.Conn, ledger.DetailUnanswered, e.Detail)
		}
	}
	if count(es, ledger.ClosedByClient) != n {
		t.Fatalf("want %d ClosedByClient:\n%s", n, dump(es))
	}
}
