package ssh

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

// TestMain also makes the test binary the floor benchmark's plain TCP echo
// server when started with floorServerEnv set (see floor_test.go).
func TestMain(m *testing.M) {
	if os.Getenv(floorServerEnv) != "" {
		os.Exit(runFloorServer())
	}
	os.Exit(testsupport.RunTests(m))
}

// target is what a probe needs to reach one SSH server (maybe through a proxy).
type target struct {
	addr       string
	user       string
	keyFile    string
	knownHosts string
}

// fixtureTarget reaches s directly.
func fixtureTarget(s *testsupport.SSHD) target {
	return target{addr: s.Addr, user: "probe", keyFile: s.Client.KeyFile, knownHosts: s.KnownHosts}
}

// via returns tg reached through addr (a proxy): a known_hosts file pinning
// the same host key for the proxy's address.
func via(t *testing.T, tg target, addr string, hostKey gossh.PublicKey) target {
	tg.addr = addr
	tg.knownHosts = filepath.Join(t.TempDir(), "known_hosts")
	testsupport.WriteKnownHosts(t, tg.knownHosts, addr, hostKey)
	return tg
}

func testConfig(tg target, sessions int, mod func(*Config)) Config {
	cfg := DefaultConfig()
	cfg.Addr, cfg.User, cfg.KeyFile, cfg.KnownHostsFile = tg.addr, tg.user, tg.keyFile, tg.knownHosts
	cfg.Sessions = sessions
	cfg.Heartbeat = 50 * time.Millisecond
	cfg.DialConcurrency = 4
	if mod != nil {
		mod(&cfg)
	}
	return cfg
}

func mustNew(t *testing.T, cfg Config) *Probe {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// run is a probe's Run in the background.
type run struct {
	p      *Probe
	l      *ledger.Ledger
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func startRun(t *testing.T, p *Probe) *run {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &run{p: p, l: ledger.New(), cancel: cancel, done: make(chan struct{})}
	go func() { r.err = p.Run(ctx, r.l); close(r.done) }()
	t.Cleanup(func() { cancel(); <-r.done })
	return r
}

// wait waits for Run to return and returns the events, sorted.
func (r *run) wait(t *testing.T, timeout time.Duration) []ledger.Event {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(timeout):
		r.cancel()
		<-r.done
		t.Fatalf("Run did not return within %s; events:\n%s", timeout, dump(r.l.Events()))
	}
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	return r.l.Events()
}

// waitOpen waits until n sessions are established and each has had at least
// one heartbeat echoed (so "live" means traffic flowed, not just a handshake).
func (r *run) waitOpen(t *testing.T, n int) {
	t.Helper()
	testsupport.Eventually(t, 30*time.Second, "sessions established", func() bool { return r.p.stats.Open.Load() >= int64(n) })
	testsupport.Eventually(t, 10*time.Second, "heartbeats on every session", func() bool { return r.p.Heartbeats() >= int64(2*n) })
}

func count(es []ledger.Event, k ledger.Kind) int {
	n := 0
	for _, e := range es {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func ofKind(es []ledger.Event, k ledger.Kind) []ledger.Event {
	var out []ledger.Event
	for _, e := range es {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

func dump(es []ledger.Event) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(e.Time.Format("15:04:05.000") + " " + string(e.Kind) + " " + e.Conn + " peer=" + e.Peer + " cause=" + string(e.Cause) + " err=" + e.Error)
		for k, v := range e.Detail {
			b.WriteString(" " + k + "=" + v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// checkLifecycle asserts the ledger invariant: every event names probe,
// target and connection; every Established connection has exactly one end
// event, after which nothing of that connection is recorded; ends and
// stalls only follow an Established; Peer is set on connection events when
// wantPeer. It returns the end event of every connection.
func checkLifecycle(t *testing.T, es []ledger.Event, target string, wantPeer bool) map[string]ledger.Event {
	t.Helper()
	established := map[string]bool{}
	ends := map[string]ledger.Event{}
	for _, e := range es {
		if e.Probe != Name || e.Target != target || e.Conn == "" {
			t.Errorf("event lacks probe/target/conn: %+v", e)
		}
		if _, ended := ends[e.Conn]; ended {
			t.Errorf("%s: %s after its end %s", e.Conn, e.Kind, ends[e.Conn].Kind)
		}
		switch e.Kind {
		case ledger.Established:
			if established[e.Conn] {
				t.Errorf("%s established twice", e.Conn)
			}
			established[e.Conn] = true
		case ledger.Stall, ledger.ClosedByClient, ledger.ClosedByServer, ledger.Drop:
			if !established[e.Conn] {
				t.Errorf("%s: %s without Established", e.Conn, e.Kind)
			}
		}
		if e.Kind != ledger.Dial && e.Kind != ledger.DialFailure && e.Kind != ledger.Note && wantPeer && e.Peer == "" {
			t.Errorf("%s: %s without Peer", e.Conn, e.Kind)
		}
		if e.IsConnectionEnd() {
			ends[e.Conn] = e
			if e.Kind == ledger.Drop && e.Cause == "" {
				t.Errorf("%s: drop without cause", e.Conn)
			}
		}
	}
	for c := range established {
		if _, ok := ends[c]; !ok {
			t.Errorf("%s established but never ended", c)
		}
	}
	if t.Failed() {
		t.Logf("events:\n%s", dump(es))
	}
	return ends
}
