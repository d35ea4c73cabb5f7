package verdict

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// callerPod: ns/app-1 is deleted at 1000; its sidecar exits at 1100 and its
// app container ("caller") at 5000. Calls before the delete and after the
// app's exit fail but are outside the drain window; inside it, 4 of 5 succeed.
func callerPod() *book {
	b := &book{}
	b.pod(-3000, "ns/app-1", "10.0.1.1").victims(0, "delete", "app-1")
	b.outbound(500, "ns/app-1", false).outbound(900, "app-1", false)
	b.podEvent(1000, ledger.PodDeleting, "ns/app-1")
	b.exit(1100, "ns/app-1", "sidecar")
	b.outbound(1000, "ns/app-1", true) // at the window's start: inside
	b.outbound(1050, "ns/app-1", true)
	b.outbound(2000, "app-1", true) // bare name resolves to ns/app-1
	b.outbound(3000, "ns/app-1", false)
	b.outbound(5000, "ns/app-1", true) // at the window's end: inside
	b.exit(5000, "ns/app-1", "caller")
	b.outbound(5001, "ns/app-1", false)
	b.outbound(6000, "", false) // no pod: never in a window
	return b.podEvent(6100, ledger.PodGone, "ns/app-1").done(6200)
}

func TestOutboundCountsOnlyCallsInsideTheDrainWindow(t *testing.T) {
	v := Evaluate(Expect{MinOutboundSuccess: floatp(0.8), OutboundContainer: "caller"}, callerPod().evs)
	if !v.Pass {
		t.Fatalf("4/5 inside the window failed min 0.8: %+v", v.Findings)
	}
	o := v.Outbound
	if o.Calls != 9 || o.InWindow != 5 || o.Succeeded != 4 || o.Ratio != 0.8 {
		t.Fatalf("outbound summary %+v", o)
	}
	f := findings(v, CheckOutboundSuccess)[0]
	if f.Pod != "ns/app-1" || !strings.Contains(f.Message, "4/5") || !strings.Contains(f.Message, "4 of 9 calls outside") {
		t.Errorf("finding %+v", f)
	}
	// Evidence: the window's bounds, then the failed call inside it.
	want := []ledger.Kind{ledger.PodDeleting, ledger.ContainerExited, ledger.Outbound}
	if got := kinds(f.Evidence); !reflect.DeepEqual(got, want) || f.Evidence[1].Detail["container"] != "caller" || f.Evidence[2].Time != ms(3000) {
		t.Errorf("evidence %v %+v", got, f.Evidence)
	}
	if v := Evaluate(Expect{MinOutboundSuccess: floatp(0.9), OutboundContainer: "caller"}, callerPod().evs); v.Pass {
		t.Error("4/5 passed min 0.9")
	}
}

func TestOutboundWindowEndsAtTheNamedContainer(t *testing.T) {
	// The sidecar's exit closes the window at 1100: only the calls at 1000 and 1050.
	v := Evaluate(Expect{MinOutboundSuccess: floatp(1), OutboundContainer: "sidecar"}, callerPod().evs)
	if v.Outbound.InWindow != 2 || !v.Pass {
		t.Fatalf("sidecar window: %+v pass=%v", v.Outbound, v.Pass)
	}
	// No container named: the pod's last container exit (5000), like "caller".
	if v := Evaluate(Expect{MinOutboundSuccess: floatp(0.8)}, callerPod().evs); v.Outbound.InWindow != 5 {
		t.Fatalf("default window: %+v", v.Outbound)
	}
}

func TestOutboundWithoutADeleteCannotPass(t *testing.T) {
	b := &book{}
	b.pod(0, "ns/app-1", "10.0.1.1").outbound(100, "ns/app-1", true)
	v := Evaluate(Expect{MinOutboundSuccess: floatp(0.5)}, b.evs)
	if v.Pass || !strings.Contains(findings(v, CheckOutboundSuccess)[0].Message, "cannot be judged") {
		t.Fatalf("judged without a drain window: %+v", v.Findings)
	}
}

// lingering: gw-a is deleted at 1000, its connections end at 1500 and 2000,
// but a fixed-sleep preStop keeps it until 32000. gw-b's only connection
// ended before its delete at 3000; it exits at 3500.
func lingering() *book {
	b := &book{}
	b.pod(-5000, "ns/gw-a", "10.0.0.1").pod(-5000, "ns/gw-b", "10.0.0.2").disruption(0)
	b.conn("ssh-0", "10.0.0.1:1", -4000, 1500, ledger.ClosedByClient, "")
	b.conn("ssh-1", "10.0.0.1:2", -4000, 2000, ledger.ClosedByServer, "")
	b.conn("ssh-2", "10.0.0.2:1", -4000, 500, ledger.ClosedByClient, "")
	b.podEvent(1000, ledger.PodDeleting, "ns/gw-a").exit(32000, "ns/gw-a", "haproxy").podEvent(33000, ledger.PodGone, "ns/gw-a")
	b.podEvent(3000, ledger.PodDeleting, "ns/gw-b").podEvent(3500, ledger.PodGone, "ns/gw-b")
	return b
}

func TestLingerIsMeasuredFromTheLastConnection(t *testing.T) {
	v := Evaluate(Expect{MaxLinger: DP(5 * time.Second)}, lingering().evs)
	if v.Pass {
		t.Fatal("30 s linger passed max 5s")
	}
	a, b := podMetric(v, "ns/gw-a"), podMetric(v, "ns/gw-b")
	if a.Linger == nil || a.Linger.Duration != 30*time.Second || *a.LastConnectionEnd != ms(2000) {
		t.Fatalf("gw-a: %+v", a)
	}
	// gw-b: no container exit seen, so PodGone ends it; measured from its delete.
	if b.Linger == nil || b.Linger.Duration != 500*time.Millisecond || b.DrainTime.Duration != 500*time.Millisecond {
		t.Fatalf("gw-b: %+v", b)
	}
	fs := findings(v, CheckLinger)
	if len(fs) != 2 || fs[0].Pod != "ns/gw-a" || fs[0].Pass || !fs[1].Pass {
		t.Fatalf("linger findings %+v", fs)
	}
	want := []ledger.Kind{ledger.PodDeleting, ledger.ClosedByServer, ledger.ContainerExited}
	if got := kinds(fs[0].Evidence); !reflect.DeepEqual(got, want) {
		t.Errorf("gw-a evidence %v, want %v", got, want)
	}
	if !strings.Contains(fs[0].Message, "lingered 30.000s") {
		t.Errorf("message %q", fs[0].Message)
	}
}

func TestLingerUnknownWhenThePodNeverExits(t *testing.T) {
	b := &book{}
	b.pod(0, "ns/gw-a", "10.0.0.1").conn("ssh-0", "10.0.0.1:1", 100, 500, ledger.ClosedByClient, "")
	b.podEvent(1000, ledger.PodDeleting, "ns/gw-a")
	v := Evaluate(Expect{MaxLinger: DP(time.Minute), MaxDrainTime: DP(time.Minute)}, b.evs)
	if v.Pass {
		t.Fatal("a pod that never exited passed linger and drain time")
	}
	for _, c := range []string{CheckLinger, CheckDrainTime} {
		if f := findings(v, c)[0]; f.Pass || !strings.Contains(f.Message, "unknown") {
			t.Errorf("%s: %+v", c, f)
		}
	}
}

func TestLingerWithNoCarryingPodCannotPass(t *testing.T) {
	b := &book{}
	b.conn("ssh-0", "127.0.0.1:1", 100, 500, ledger.ClosedByClient, "")
	v := Evaluate(Expect{MaxLinger: DP(time.Minute)}, b.evs)
	if v.Pass {
		t.Fatal("linger judged with no deleted pod carrying connections")
	}
}

func TestDrainTime(t *testing.T) {
	v := Evaluate(Expect{MaxDrainTime: DP(2 * time.Second)}, rollout(true).evs)
	// gw-a: 1000 → 3400 = 2.4 s (fails); gw-b: 1500 → 3500 = 2.0 s (passes).
	fs := findings(v, CheckDrainTime)
	if v.Pass || len(fs) != 2 || fs[0].Pod != "ns/gw-a" || fs[0].Pass || !fs[1].Pass {
		t.Fatalf("drain time findings %+v", fs)
	}
	if got := kinds(fs[0].Evidence); !reflect.DeepEqual(got, []ledger.Kind{ledger.PodDeleting, ledger.ContainerExited}) {
		t.Errorf("evidence %v", got)
	}
	if v := Evaluate(Expect{MaxDrainTime: DP(time.Second)}, (&book{}).pod(0, "ns/x", "10.0.0.1").evs); v.Pass {
		t.Error("drain time passed with no pod deleted")
	}
}
