package ssh

import (
	"context"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

func TestOpenSSHSessionsLiveTheirLifetime(t *testing.T) {
	b := opensshBackend(t)
	const n = 5
	// Lifetime counts from Run's start; on a loaded CI machine OpenSSH can
	// take most of a second to exec cat, so leave room for heartbeats.
	p := mustNew(t, testConfig(b.tg, n, func(c *Config) { c.Lifetime = 4 * time.Second }))
	if err := p.Preflight(context.Background()); err != nil {
		t.Fatalf("Preflight against OpenSSH: %v", err)
	}
	es := startRun(t, p).wait(t, 30*time.Second)
	ends := checkLifecycle(t, es, b.tg.addr, false)
	if len(ends) != n || count(es, ledger.ClosedByClient) != n {
		t.Fatalf("want %d ClosedByClient:\n%s", n, dump(es))
	}
	for c, e := range ends {
		if e.Detail["heartbeats"] == "0" {
			t.Errorf("%s: no heartbeat echoed by OpenSSH's cat", c)
		}
	}
}

// A login script (or the command itself) that reads stdin before the
// echoing command runs swallows the first heartbeat: the probe writes it
// again every interval until the first echo, so the session is answered,
// not a Drop by heartbeat-timeout and not a session with no heartbeat.
func TestOpenSSHFirstHeartbeatSwallowedIsResent(t *testing.T) {
	b := opensshBackend(t)
	const n = 3
	p := mustNew(t, testConfig(b.tg, n, func(c *Config) {
		c.Command = "read -r _; exec cat"
		c.Lifetime = 0
	}))
	r := startRun(t, p)
	r.waitOpen(t, n)
	r.cancel()
	es := r.wait(t, 30*time.Second)
	if count(es, ledger.Drop) != 0 || count(es, ledger.ClosedByClient) != n {
		t.Fatalf("want %d ClosedByClient, no drop:\n%s", n, dump(es))
	}
}

// A command that exits non-zero: Preflight refuses it (it does not echo),
// and a Run that uses it anyway records drops with the exit status.
func TestOpenSSHCommandExitStatusIsSetupErrorAndDropCause(t *testing.T) {
	b := opensshBackend(t)
	const n = 2
	p := mustNew(t, testConfig(b.tg, n, func(c *Config) { c.Command = "exit 3" }))
	testsupport.WantSetupError(t, p.Preflight(context.Background()), FlagCommand, "exit 3", "does not echo")
	es := startRun(t, p).wait(t, 30*time.Second)
	ends := checkLifecycle(t, es, b.tg.addr, false)
	if len(ends) != n {
		t.Fatalf("want %d ends:\n%s", n, dump(es))
	}
	for c, e := range ends {
		if e.Kind != ledger.Drop || e.Cause != "exit-status-3" || e.Code != 3 {
			t.Errorf("%s: %s cause %q code %d, want drop exit-status-3", c, e.Kind, e.Cause, e.Code)
		}
	}
}
