package verdict

import (
	"reflect"
	"strings"
	"testing"

	"github.com/drainproof/drainproof/internal/ledger"
)

// wantIncomplete asserts v is INCOMPLETE with a reason containing want, and
// that the complete finding says so.
func wantIncomplete(t *testing.T, v Verdict, want string) {
	t.Helper()
	if v.Outcome != Incomplete || v.Pass || v.Succeeded() {
		t.Fatalf("outcome %s pass=%v, want INCOMPLETE (%s)", v.Outcome, v.Pass, want)
	}
	if !strings.Contains(strings.Join(v.IncompleteReasons, "\n"), want) {
		t.Fatalf("reasons %q lack %q", v.IncompleteReasons, want)
	}
	f := findings(v, CheckComplete)
	if len(f) != 1 || f[0].Pass || !strings.Contains(f[0].Message, want) {
		t.Fatalf("complete finding %+v", f)
	}
}

func TestCompleteRunSaysWhatTheDisruptionCarried(t *testing.T) {
	v := Evaluate(Expect{}, rollout(true).evs)
	f := findings(v, CheckComplete)
	if v.Outcome != Pass || len(f) != 1 || !f[0].Pass || v.Findings[0].Check != CheckComplete {
		t.Fatalf("outcome %s, findings %+v", v.Outcome, v.Findings)
	}
	if want := "rollout-restart at +0.000s carried 4 connections"; !strings.Contains(f[0].Message, want) {
		t.Errorf("message %q lacks %q", f[0].Message, want)
	}
	if got := kinds(f[0].Evidence); !reflect.DeepEqual(got, []ledger.Kind{ledger.DisruptionStart, ledger.DisruptionDone}) {
		t.Errorf("evidence %v", got)
	}
}

func TestDisruptionThatNeverFinishedIsIncomplete(t *testing.T) {
	b := rollout(true)
	b.evs = b.evs[:len(b.evs)-1] // no disruption-done
	wantIncomplete(t, Evaluate(Expect{}, b.evs), "never finished (no disruption-done)")
	// A known-bad twin whose disruption never finished is not "failed as expected".
	wantIncomplete(t, Evaluate(nodrainControl(), rollout(false).evs[:len(rollout(false).evs)-1]), "never finished")
}

func TestFailedDisruptionCommandIsIncomplete(t *testing.T) {
	b := &book{}
	b.conn("ssh-000", "127.0.0.1:1", 100, 5000, ledger.ClosedByClient, "")
	b.add(1000, ledger.Event{Kind: ledger.DisruptionStart, Probe: "disrupt", Detail: map[string]string{"action": "command", "target": "false"}})
	b.add(1100, ledger.Event{Kind: ledger.DisruptionDone, Probe: "disrupt", Code: 1, Detail: map[string]string{"action": "command", "target": "false"}})
	wantIncomplete(t, Evaluate(Expect{}, b.evs), "disruption command false failed: exit status 1")
}

func TestNothingDeletedIsIncomplete(t *testing.T) {
	b := &book{}
	b.pod(-5000, "ns/web-a", "10.0.0.1").pod(-5000, "ns/web-b", "10.0.0.2")
	b.conn("http-000", "10.0.0.1:80", -4000, 3000, ledger.ClosedByClient, "")
	b.victims(0, "delete", "web-a").done(500) // done, yet web-a never went
	wantIncomplete(t, Evaluate(Expect{}, b.evs), "nothing deleted: disruption delete named ns/web-a, never seen deleting")
}

// The seen failure: evicting one of two gateway pods while every session
// rode the other. Nothing was tested, so nothing may pass.
func TestVictimThatCarriedNothingIsIncomplete(t *testing.T) {
	b := &book{}
	b.pod(-5000, "ns/gw-a", "10.0.0.1").pod(-5000, "ns/gw-b", "10.0.0.2")
	b.conn("ssh-000", "10.0.0.2:40000", -4000, 3000, ledger.ClosedByClient, "")
	b.conn("ssh-001", "10.0.0.2:40001", -4000, 3000, ledger.ClosedByClient, "")
	b.victims(0, "evict", "gw-a")
	b.podEvent(100, ledger.PodDeleting, "ns/gw-a").exit(200, "ns/gw-a", "haproxy").podEvent(300, ledger.PodGone, "ns/gw-a").done(400)
	wantIncomplete(t, Evaluate(Expect{}, b.evs), "nothing carried: the disrupted pods (ns/gw-a)")

	// The same eviction aimed at the pod carrying the sessions is judged.
	b = &book{}
	b.pod(-5000, "ns/gw-a", "10.0.0.1").pod(-5000, "ns/gw-b", "10.0.0.2")
	b.conn("ssh-000", "10.0.0.2:40000", -4000, 3000, ledger.ClosedByClient, "")
	b.victims(0, "evict", "gw-b")
	b.podEvent(100, ledger.PodDeleting, "ns/gw-b").exit(3100, "ns/gw-b", "haproxy").podEvent(3200, ledger.PodGone, "ns/gw-b").done(3300)
	if v := Evaluate(Expect{}, b.evs); v.Outcome != Pass {
		t.Fatalf("victim carrying a session: %s %v", v.Outcome, v.IncompleteReasons)
	}
}

// Requests and outbound calls count as carried: a load-only or caller-only
// scenario is not "nothing carried".
func TestVictimCarryingRequestsOrCallsIsComplete(t *testing.T) {
	v := Evaluate(Expect{MinOutboundSuccess: floatp(0.8), OutboundContainer: "caller"}, callerPod().evs)
	if v.Outcome != Pass {
		t.Fatalf("caller pod: %s %v", v.Outcome, v.IncompleteReasons)
	}
	b := &book{}
	b.pod(-5000, "ns/web-a", "10.0.0.1")
	b.add(-100, ledger.Event{Kind: ledger.Hit, Probe: "load", Code: 200, Pod: "web-a"})
	b.victims(0, "delete", "web-a").podEvent(10, ledger.PodDeleting, "ns/web-a").podEvent(900, ledger.PodGone, "ns/web-a").done(1000)
	if v := Evaluate(Expect{}, b.evs); v.Outcome != Pass {
		t.Fatalf("hits on the victim: %s %v", v.Outcome, v.IncompleteReasons)
	}
}

// Attach mode: a disruption without named victims needs traffic open when it starts.
func TestUnnamedDisruptionWithNoTrafficOpenIsIncomplete(t *testing.T) {
	b := &book{}
	b.conn("ssh-000", "127.0.0.1:1", 100, 500, ledger.ClosedByClient, "")
	b.add(1000, ledger.Event{Kind: ledger.DisruptionStart, Probe: "disrupt", Detail: map[string]string{"action": "command"}})
	b.add(1100, ledger.Event{Kind: ledger.DisruptionDone, Probe: "disrupt", Detail: map[string]string{"action": "command"}})
	wantIncomplete(t, Evaluate(Expect{}, b.evs), "nothing carried: no probe connection was open")
}

func TestProbeThatNeverEstablishedIsIncomplete(t *testing.T) {
	b := &book{}
	for i := 0; i < 3; i++ {
		id := "http-00" + string(rune('0'+i))
		b.add(i*100, ledger.Event{Kind: ledger.Dial, Probe: "http", Conn: id})
		b.add(i*100+1, ledger.Event{Kind: ledger.DialFailure, Probe: "http", Conn: id, Cause: "refused"})
	}
	v := Evaluate(Expect{}, b.evs)
	wantIncomplete(t, v, "probe http never established a connection (3 dial failures)")
	if f := findings(v, CheckDialFailures); len(f) != 1 || f[0].Pass {
		t.Errorf("dial failures must fail by default: %+v", f)
	}
	b = &book{}
	b.add(0, ledger.Event{Kind: ledger.Hit, Probe: "load", Error: "connection refused", Cause: "refused"})
	wantIncomplete(t, Evaluate(Expect{}, b.evs), "probe load: none of its 1 requests succeeded")
}

// Failed requests fail by default (MinSuccessRatio nil is 1.0 once there
// are requests); a tolerance is explicit.
func TestFailedRequestsFailByDefault(t *testing.T) {
	b := &book{}
	b.conn("http-000", "127.0.0.1:80", 0, -1, "", "")
	for i := 1; i <= 10; i++ {
		code := 200
		if i == 5 {
			code = 503
		}
		b.request(i*100, code, "")
	}
	v := Evaluate(Expect{}, b.evs)
	if v.Outcome != Fail || findings(v, CheckSuccessRatio)[0].Pass {
		t.Fatalf("1 failed request of 10 passed by default: %s %+v", v.Outcome, v.Findings)
	}
	if v := Evaluate(Expect{MinSuccessRatio: floatp(0.9)}, b.evs); v.Outcome != Pass {
		t.Fatalf("9/10 with min 0.9: %s", v.Outcome)
	}
	// Without requests nothing is judged unless asked.
	if v := Evaluate(Expect{}, rollout(true).evs); findings(v, CheckSuccessRatio) != nil {
		t.Fatalf("success ratio judged without requests: %+v", v.Findings)
	}
}

func TestNoDisruptionIsJudgedAndSaysSo(t *testing.T) {
	b := &book{}
	b.conn("ssh-000", "127.0.0.1:1", 100, 500, ledger.ClosedByClient, "")
	v := Evaluate(Expect{}, b.evs)
	f := findings(v, CheckComplete)
	if v.Outcome != Pass || !f[0].Pass || !strings.Contains(f[0].Message, "no disruption recorded") {
		t.Fatalf("outcome %s finding %+v", v.Outcome, f)
	}
}

func TestCarryingIsBusiestFirst(t *testing.T) {
	b := &book{}
	b.pod(-5000, "ns/gw-a", "10.0.0.1").pod(-5000, "ns/gw-b", "10.0.0.2").pod(-5000, "ns/gw-c", "10.0.0.3")
	b.conn("ssh-000", "10.0.0.2:1", 0, -1, "", "")
	b.conn("ssh-001", "10.0.0.2:2", 0, -1, "", "")
	b.conn("ssh-002", "10.0.0.1:3", 0, -1, "", "")
	b.conn("ssh-003", "10.0.0.1:4", 0, 50, ledger.Drop, "eof") // ended: not carried any more
	b.conn("ssh-004", "", 0, -1, "", "")                       // unattributable
	got := Carrying(b.evs)
	want := []Load{{Pod: "ns/gw-b", Connections: 2}, {Pod: "", Connections: 1}, {Pod: "ns/gw-a", Connections: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Carrying = %+v, want %+v", got, want)
	}
}

// unansweredAt marks the first ClosedByClient of conn in b as closed with its
// heartbeat unanswered (the probe's ledger.DetailUnanswered).
func unansweredAt(t *testing.T, b *book, conn string) {
	t.Helper()
	for i, e := range b.evs {
		if e.Conn == conn && e.Kind == ledger.ClosedByClient {
			b.evs[i].Detail = map[string]string{ledger.DetailUnanswered: "3.2s"}
			return
		}
	}
	t.Fatalf("no ClosedByClient of %s", conn)
}

// A session the client closed while its heartbeat went unanswered may have
// been black-holed: a run that would pass cannot tell, so it is INCOMPLETE.
func TestClientCloseWithHeartbeatUnansweredCannotPass(t *testing.T) {
	b := rollout(true)
	if v := Evaluate(Expect{}, b.evs); v.Outcome != Pass {
		t.Fatalf("baseline outcome %s, want PASS", v.Outcome)
	}
	unansweredAt(t, b, "ssh-003")
	wantIncomplete(t, Evaluate(Expect{}, b.evs), "could not tell: ssh-003 was closed by the client at")
}

// It never hides a failure the ledger proves: a known-bad twin whose drops
// hold its control still FAILED AS EXPECTED, a plain failure still FAIL.
func TestUnansweredCloseDoesNotHideAProvenFailure(t *testing.T) {
	b := rollout(false)
	b.conn("ssh-009", "10.0.0.3:40009", 500, 3900, ledger.ClosedByClient, "")
	unansweredAt(t, b, "ssh-009")
	if v := Evaluate(nodrainControl(), b.evs); v.Outcome != FailedAsExpected {
		t.Fatalf("twin outcome %s (%v), want FAILED AS EXPECTED", v.Outcome, v.IncompleteReasons)
	}
	if v := Evaluate(Expect{}, b.evs); v.Outcome != Fail {
		t.Fatalf("outcome %s (%v), want FAIL", v.Outcome, v.IncompleteReasons)
	}
}
