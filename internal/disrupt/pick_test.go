package disrupt

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// carrying records n open probe connections attributed to pod (as the
// probes' events name it, namespace/name).
func carrying(l *ledger.Ledger, pod string, n int) {
	for i := 0; i < n; i++ {
		id := pod + "#" + string(rune('a'+i))
		_ = l.Add(ledger.Event{Kind: ledger.Dial, Probe: "ssh", Conn: id})
		_ = l.Add(ledger.Event{Kind: ledger.Established, Probe: "ssh", Conn: id, Pod: pod})
	}
}

// The seen failure: two gateway pods, every session on the second. The
// default pick is the pod carrying the sessions, not the first by name.
func TestPickBusiestChoosesThePodCarryingTheTraffic(t *testing.T) {
	l := ledger.New()
	carrying(l, "ns/gw-b", 12)
	carrying(l, "other/gw-a", 20) // another namespace's pod of the same name: not ours
	pods := []string{"gw-a", "gw-b"}
	c := carriedBy(l, "ns", pods)
	if got := choose(PickBusiest, pods, c); !reflect.DeepEqual(got, []string{"gw-b"}) {
		t.Fatalf("busiest = %v (carried %+v)", got, c)
	}
	if got := choose(PickAll, pods, c); !reflect.DeepEqual(got, pods) {
		t.Fatalf("all = %v", got)
	}
	if got, want := carriedText(pods, c), "gw-a=0 connections/0 requests,gw-b=12 connections/0 requests"; got != want {
		t.Fatalf("carried %q, want %q", got, want)
	}
	// Nothing carried anywhere: the first by name, as before.
	if got := choose(PickBusiest, pods, carriedBy(ledger.New(), "ns", pods)); !reflect.DeepEqual(got, []string{"gw-a"}) {
		t.Fatalf("no traffic: %v", got)
	}
}

// Settle waits for traffic to reach every pod, not longer than its bound,
// and not at all when the probes carry nothing attributable.
func TestSettleWaitsUntilEveryPodCarries(t *testing.T) {
	ctx := context.Background()
	pods := []string{"gw-a", "gw-b"}
	t0 := time.Now()
	if c := settle(ctx, ledger.New(), "ns", pods, time.Minute); len(c) != 0 || time.Since(t0) > time.Second {
		t.Fatalf("no traffic: waited %s for %+v", time.Since(t0), c)
	}
	l := ledger.New()
	carrying(l, "ns/gw-a", 1)
	go func() {
		time.Sleep(300 * time.Millisecond) // the second pod's traffic arrives while settle polls
		carrying(l, "ns/gw-b", 2)
	}()
	t0 = time.Now()
	c := settle(ctx, l, "ns", pods, time.Minute)
	if c["gw-a"].Connections != 1 || c["gw-b"].Connections != 2 || time.Since(t0) > 10*time.Second {
		t.Fatalf("settled in %s with %+v", time.Since(t0), c)
	}
	// A pod that never gets traffic: settle gives up at its bound.
	l = ledger.New()
	carrying(l, "ns/gw-a", 1)
	t0 = time.Now()
	c = settle(ctx, l, "ns", pods, 300*time.Millisecond)
	if d := time.Since(t0); d < 300*time.Millisecond || d > 5*time.Second || c["gw-b"].Connections != 0 {
		t.Fatalf("gave up after %s with %+v", d, c)
	}
}
