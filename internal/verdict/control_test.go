package verdict

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

func nodrainControl() Expect {
	return Expect{ExpectFailure: &NegativeControl{FailChecks: []string{CheckDrops}, Attribution: AttributionRequired, PodPrefix: "gw-"}}
}

func TestNegativeControlHoldsWhenDropsFollowTheDelete(t *testing.T) {
	v := Evaluate(nodrainControl(), rollout(false).evs)
	if v.Pass {
		t.Fatal("hard stop passed")
	}
	if v.Control == nil || !v.Control.Held || !v.Succeeded() {
		t.Fatalf("control did not hold: %+v", v.Control)
	}
	f := findings(v, CheckControl)
	if len(f) != 1 || !f[0].Pass || v.Findings[len(v.Findings)-1].Check != CheckControl {
		t.Fatalf("control finding must be last and pass: %+v", v.Findings)
	}
	pods := map[string]bool{}
	for _, e := range f[0].Evidence {
		if e.Kind == ledger.ContainerExited || e.Kind == ledger.PodDeleting || e.Kind == ledger.EndpointRemoved {
			pods[e.Pod] = true
		}
	}
	if !pods["ns/gw-a"] || !pods["ns/gw-b"] {
		t.Errorf("control evidence names pods %v, want gw-a and gw-b", pods)
	}
}

func TestNegativeControlFailsWhenTheTwinPasses(t *testing.T) {
	v := Evaluate(nodrainControl(), rollout(true).evs)
	if !v.Pass || v.Control.Held || v.Succeeded() {
		t.Fatalf("clean twin: pass=%v control=%+v", v.Pass, v.Control)
	}
	for _, want := range []string{"the verdict passed", "check drops did not fail", "no drop to attribute"} {
		if !strings.Contains(v.Control.Message, want) {
			t.Errorf("control message %q lacks %q", v.Control.Message, want)
		}
	}
}

func TestNegativeControlNeedsDropsAttributedToTheDeletingPod(t *testing.T) {
	early := rollout(false)
	early.conn("ssh-early", "10.0.0.2:9", -3000, 200, ledger.Drop, "eof") // before gw-b's delete at 1500
	stray := rollout(false)
	stray.conn("ssh-stray", "127.0.0.1:9", -3000, 1200, ledger.Drop, "eof")
	cases := map[string]struct {
		events []ledger.Event
		exp    Expect
		want   string
	}{
		"drop before the delete": {early.evs, nodrainControl(), "came 1.300s before ns/gw-b was deleting (tolerance 1s)"},
		"unattributable drop":    {stray.evs, nodrainControl(), "ssh-stray is not attributable"},
		"wrong pod prefix": {rollout(false).evs, Expect{ExpectFailure: &NegativeControl{Attribution: AttributionRequired, PodPrefix: "web-"}},
			"not a pod named web-*"},
		"check that did not fail": {rollout(false).evs, Expect{ExpectFailure: &NegativeControl{FailChecks: []string{CheckLinger}}},
			"check linger did not fail"},
	}
	for name, c := range cases {
		v := Evaluate(c.exp, c.events)
		if v.Pass || v.Control.Held {
			t.Errorf("%s: pass=%v control held", name, v.Pass)
			continue
		}
		if !strings.Contains(v.Control.Message, c.want) {
			t.Errorf("%s: message %q lacks %q", name, v.Control.Message, c.want)
		}
	}
	// The offending drop is the control's evidence.
	f := findings(Evaluate(nodrainControl(), stray.evs), CheckControl)[0]
	if len(f.Evidence) != 1 || f.Evidence[0].Conn != "ssh-stray" {
		t.Errorf("evidence %+v", f.Evidence)
	}
}

// A re-dialled connection that the node sent to the deleting pod is reset
// before any response: it names no pod. Inside the deletion, beside
// attributed drops, it does not break the control; outside, or alone, it does.
func TestNegativeControlCountsUnseenDropsApart(t *testing.T) {
	unseen := func(at int) *book {
		b := rollout(false)
		b.conn("ssh-redial", "", 1012, at, ledger.Drop, "reset")
		return b
	}
	v := Evaluate(nodrainControl(), unseen(1013).evs)
	if !v.Control.Held || !strings.Contains(v.Control.Message, "all 4 drops attributed") ||
		!strings.Contains(v.Control.Message, "1 more on connections that never saw a response") {
		t.Fatalf("inside the deletion: %+v", v.Control)
	}
	if v := Evaluate(nodrainControl(), unseen(3800).evs); v.Control.Held {
		t.Fatalf("after every deleting pod ended: %+v", v.Control)
	}
	alone := &book{}
	alone.pod(-5000, "ns/gw-a", "10.0.0.1").disruption(0)
	alone.podEvent(1000, ledger.PodDeleting, "ns/gw-a")
	alone.conn("ssh-redial", "", 1002, 1003, ledger.Drop, "reset")
	alone.exit(1100, "ns/gw-a", "haproxy")
	if v := Evaluate(nodrainControl(), alone.done(1200).evs); v.Control.Held ||
		!strings.Contains(v.Control.Message, "none of the 1 drops names its pod") {
		t.Fatalf("no attributed drop: %+v", v.Control)
	}
}

func TestNegativeControlToleratesWatchDelay(t *testing.T) {
	// The hard-stopped pod's drop is seen 300 ms before the watch delivers its delete.
	b := &book{}
	b.pod(-5000, "ns/gw-a", "10.0.0.1").disruption(0)
	b.conn("ssh-0", "10.0.0.1:1", -4000, 700, ledger.Drop, "eof")
	b.podEvent(1000, ledger.PodDeleting, "ns/gw-a").exit(1001, "ns/gw-a", "haproxy")
	if v := Evaluate(nodrainControl(), b.evs); !v.Control.Held || v.DropDetails[0].AfterDeleting {
		t.Fatalf("within default tolerance: %+v %+v", v.Control, v.DropDetails[0])
	}
	strict := nodrainControl()
	strict.ExpectFailure.Tolerance = DP(0)
	if v := Evaluate(strict, b.evs); v.Control.Held {
		t.Fatal("held with tolerance 0")
	}
}

func TestNegativeControlWithoutAttribution(t *testing.T) {
	exp := Expect{MinOutboundSuccess: floatp(0.99), OutboundContainer: "caller",
		ExpectFailure: &NegativeControl{FailChecks: []string{CheckOutboundSuccess}}}
	if v := Evaluate(exp, callerPod().evs); !v.Control.Held {
		t.Fatalf("outbound twin: %+v", v.Control)
	}
}

// TestEvaluateIsDeterministic shuffles the same events (and, in a second
// round, erases Seq so ordering rests on the other fields) and wants
// byte-identical verdicts.
func TestEvaluateIsDeterministic(t *testing.T) {
	all := rollout(false)
	all.add(1200, ledger.Event{Kind: ledger.Stall, Probe: "ssh", Conn: "ssh-002"})
	for _, e := range callerPod().evs {
		all.evs = append(all.evs, e)
	}
	for i := 0; i < 20; i++ {
		all.request(i*100, 200+i%2*300, "")
		all.add(i*100, ledger.Event{Kind: ledger.Hit, Probe: "load", Code: 200, Latency: time.Duration(i) * time.Millisecond})
	}
	exp := Expect{MaxStalls: intp(0), MinSuccessRatio: floatp(0.9), Window: DP(500 * time.Millisecond),
		MinOutboundSuccess: floatp(0.5), MaxLinger: DP(time.Second), MaxDrainTime: DP(time.Second),
		ExpectFailure: &NegativeControl{Attribution: AttributionRequired}}
	for _, eraseSeq := range []bool{false, true} {
		base := append([]ledger.Event(nil), all.evs...)
		if eraseSeq {
			for i := range base {
				base[i].Seq = 0
			}
		}
		want := mustJSON(t, Evaluate(exp, base))
		rng := rand.New(rand.NewSource(7))
		for round := 0; round < 50; round++ {
			shuffled := append([]ledger.Event(nil), base...)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			if got := mustJSON(t, Evaluate(exp, shuffled)); got != want {
				t.Fatalf("eraseSeq=%v round %d: verdict differs after shuffle\nwant %s\ngot  %s", eraseSeq, round, want, got)
			}
		}
	}
}

func TestEvaluateDoesNotModifyItsInput(t *testing.T) {
	evs := rollout(false).evs
	before := mustJSON(t, evs)
	rev := append([]ledger.Event(nil), evs...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	revBefore := mustJSON(t, rev)
	Evaluate(strictExpect(), evs)
	Evaluate(strictExpect(), rev)
	if mustJSON(t, evs) != before || mustJSON(t, rev) != revBefore {
		t.Fatal("Evaluate changed its input")
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
