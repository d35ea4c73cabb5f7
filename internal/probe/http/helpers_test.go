package http

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

func TestMain(m *testing.M) { os.Exit(testsupport.RunTests(m)) }

// lifecycle checks the connection invariant on a run's events: every
// Established connection has exactly one end event (ClosedByClient,
// ClosedByServer or Drop) after it, nothing ends that was not established,
// and every Established follows its Dial. It returns each connection's end.
func lifecycle(t *testing.T, events []ledger.Event) map[string]ledger.Event {
	t.Helper()
	dialled := map[string]bool{}
	established := map[string]bool{}
	ends := map[string]ledger.Event{}
	for _, e := range events {
		switch {
		case e.Kind == ledger.Dial:
			if dialled[e.Conn] {
				t.Errorf("%s dialled twice: connection ids must be unique", e.Conn)
			}
			dialled[e.Conn] = true
		case e.Kind == ledger.Established:
			if !dialled[e.Conn] || established[e.Conn] {
				t.Errorf("%s established without a Dial, or twice", e.Conn)
			}
			established[e.Conn] = true
		case e.Kind == ledger.DialFailure:
			if !dialled[e.Conn] || established[e.Conn] {
				t.Errorf("%s: dial failure without a Dial, or after Established", e.Conn)
			}
		case e.IsConnectionEnd():
			if !established[e.Conn] {
				t.Errorf("%s ended (%s) but was never established", e.Conn, e.Kind)
			}
			if prev, dup := ends[e.Conn]; dup {
				t.Errorf("%s ended twice: %s then %s", e.Conn, prev.Kind, e.Kind)
			}
			ends[e.Conn] = e
		case e.Kind == ledger.Request:
			if !established[e.Conn] {
				t.Errorf("request on %s, which was never established", e.Conn)
			}
			if _, over := ends[e.Conn]; over {
				t.Errorf("request on %s after it ended", e.Conn)
			}
		}
	}
	for id := range established {
		if _, ok := ends[id]; !ok {
			t.Errorf("%s was established and never ended", id)
		}
	}
	return ends
}

func count(events []ledger.Event, keep func(ledger.Event) bool) int {
	n := 0
	for _, e := range events {
		if keep(e) {
			n++
		}
	}
	return n
}

func kind(k ledger.Kind) func(ledger.Event) bool {
	return func(e ledger.Event) bool { return e.Kind == k }
}

// started runs p in the background and returns a channel with Run's error.
func started(ctx context.Context, t *testing.T, p *Probe, l *ledger.Ledger) <-chan error {
	t.Helper()
	if err := p.Preflight(ctx); err != nil {
		t.Fatalf("preflight: %v", err)
	}
	return testsupport.RunProbe(ctx, p, l)
}

func mustNew(t *testing.T, cfg Config) *Probe {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func dump(events []ledger.Event) string {
	var b strings.Builder
	for _, e := range events {
		b.WriteString(e.Time.Format("15:04:05.000 "))
		fmt.Fprintf(&b, "%s %s code=%d cause=%s error=%q latency=%s %v\n", e.Kind, e.Conn, e.Code, e.Cause, e.Error, e.Latency, e.Detail)
	}
	return b.String()
}
