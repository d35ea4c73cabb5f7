package verdict

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

func strictExpect() Expect {
	return Expect{
		MaxDrops: intp(0), MaxStalls: intp(0), MaxDialFailures: intp(0),
		MaxLinger: DP(2 * time.Second), MaxDrainTime: DP(10 * time.Second),
	}
}

func TestCleanRolloutPasses(t *testing.T) {
	v := Evaluate(strictExpect(), rollout(true).evs)
	if !v.Pass {
		t.Fatalf("clean rollout failed: %+v", v.Findings)
	}
	if v.Drops != 0 || v.Connections != 4 || v.Stalls != 0 || v.DialFailures != 0 {
		t.Errorf("counts: drops=%d conns=%d stalls=%d dialFailures=%d", v.Drops, v.Connections, v.Stalls, v.DialFailures)
	}
	for _, f := range v.Findings {
		if !f.Pass {
			t.Errorf("finding failed: %+v", f)
		}
	}
	a := podMetric(v, "ns/gw-a")
	if a == nil || a.Connections != 2 || a.DrainTime == nil || a.DrainTime.Duration != 2400*time.Millisecond {
		t.Fatalf("gw-a metrics: %+v", a)
	}
	// gw-a: last connection ended at 3100, container exited at 3400.
	if a.Linger == nil || a.Linger.Duration != 300*time.Millisecond {
		t.Errorf("gw-a linger = %v, want 300ms", a.Linger)
	}
	if v.Timeline.Origin != ms(0) || v.Timeline.OriginKind != ledger.DisruptionStart {
		t.Errorf("timeline origin %v %s", v.Timeline.Origin, v.Timeline.OriginKind)
	}
	if v.Control != nil || !v.Succeeded() {
		t.Errorf("no control expected, Succeeded=%v", v.Succeeded())
	}
}

func TestVerdictJSONHasTheContractKeys(t *testing.T) {
	b, err := json.Marshal(Evaluate(Expect{}, rollout(false).evs))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"pass", "drops", "connections", "findings", "stalls", "dialFailures", "requests", "errors", "pods"} {
		if _, ok := m[k]; !ok {
			t.Errorf("verdict JSON lacks %q: %s", k, b)
		}
	}
	if m["pass"] != false || m["drops"] != float64(4) || m["connections"] != float64(4) {
		t.Errorf("pass/drops/connections = %v/%v/%v", m["pass"], m["drops"], m["connections"])
	}
}

func TestHardStopDropsFailWithEvidence(t *testing.T) {
	v := Evaluate(strictExpect(), rollout(false).evs)
	if v.Pass || v.Drops != 4 {
		t.Fatalf("pass=%v drops=%d, want fail with 4 drops", v.Pass, v.Drops)
	}
	fs := findings(v, CheckDrops)
	if len(fs) != 5 || fs[0].Pass || fs[0].Pod != "" || len(fs[0].Evidence) != 4 {
		t.Fatalf("drops findings: %+v", fs)
	}
	first := fs[1]
	if first.Pod != "ns/gw-a" || first.Conn != "ssh-000" || first.Pass {
		t.Errorf("first drop finding: %+v", first)
	}
	// ssh-000 dropped at 1010: gw-a's latest event then is its container exit
	// at 1005; its delete at 1000 is evidence too.
	want := []ledger.Kind{ledger.Established, ledger.PodDeleting, ledger.ContainerExited, ledger.Drop}
	if got := kinds(first.Evidence); !reflect.DeepEqual(got, want) {
		t.Errorf("evidence kinds %v, want %v", got, want)
	}
	if first.Evidence[3].Conn != "ssh-000" ||
		first.Message != "ssh-000 dropped (eof) at +1.010s; carried by ns/gw-a, 0.005s after its container-exited, 0.010s after its delete" {
		t.Errorf("message %q evidence %+v", first.Message, first.Evidence)
	}
	if b := podMetric(v, "ns/gw-b"); b.Drops != 2 || b.Connections != 2 {
		t.Errorf("gw-b metrics: %+v", b)
	}
	for _, d := range v.DropDetails {
		if !d.AfterDeleting {
			t.Errorf("drop %s not after deleting: %+v", d.Conn, d)
		}
	}
}

func TestDropEvidenceIsCapped(t *testing.T) {
	b := &book{}
	b.pod(0, "ns/gw-a", "10.0.0.1")
	for i := 0; i < 50; i++ {
		id := "ssh-" + string(rune('A'+i/26)) + string(rune('a'+i%26))
		b.conn(id, "10.0.0.1:1", 100, 2000+i, ledger.Drop, "eof")
	}
	v := Evaluate(Expect{}, b.evs)
	fs := findings(v, CheckDrops)
	if v.Drops != 50 || len(fs) != 1+EvidenceCap || len(fs[0].Evidence) != EvidenceCap {
		t.Fatalf("drops=%d findings=%d summary evidence=%d", v.Drops, len(fs), len(fs[0].Evidence))
	}
	if !strings.Contains(fs[0].Message, "first 20 shown") {
		t.Errorf("summary %q", fs[0].Message)
	}
	if len(v.DropDetails) != 50 {
		t.Errorf("drop details %d, want all 50", len(v.DropDetails))
	}
}

func TestMaxDropsAllowsABudget(t *testing.T) {
	v := Evaluate(Expect{MaxDrops: intp(4)}, rollout(false).evs)
	if !v.Pass {
		t.Fatalf("4 drops within maxDrops 4 failed: %+v", findings(v, CheckDrops)[0])
	}
	if v = Evaluate(Expect{MaxDrops: intp(3)}, rollout(false).evs); v.Pass {
		t.Fatal("4 drops passed maxDrops 3")
	}
}

func TestAttributionAmongSeveralPods(t *testing.T) {
	b := &book{}
	b.pod(-9000, "ns/old-x", "10.0.0.9") // IP later reused by new-y
	b.pod(-9000, "ns/gw-a", "10.0.0.1").pod(-9000, "ns/gw-b", "10.0.0.2")
	b.conn("c-old", "10.0.0.9:5000", -8000, 900, ledger.Drop, "eof")
	b.conn("c-a", "10.0.0.1:5000", -8000, 1100, ledger.Drop, "reset")
	b.conn("c-b", "[10.0.0.2]:5000", -8000, 1200, ledger.Drop, "timeout")
	b.conn("c-none", "127.0.0.1:5000", -8000, 1300, ledger.Drop, "eof")
	b.disruption(0)
	b.podEvent(500, ledger.PodDeleting, "ns/old-x").podEvent(600, ledger.PodGone, "ns/old-x")
	b.pod(700, "ns/new-y", "10.0.0.9")
	// The old pod's late events still carry its IP; they must not take it back.
	b.add(1900, ledger.Event{Kind: ledger.PodGone, Probe: "watch", Pod: "ns/old-x", Detail: map[string]string{"ip": "10.0.0.9"}})
	b.conn("c-new", "10.0.0.9:5001", 2000, 2500, ledger.Drop, "eof")
	b.podEvent(1000, ledger.PodDeleting, "ns/gw-a").podEvent(1050, ledger.EndpointRemoved, "ns/gw-a")
	// c-hint names its pod itself, by bare name, through a peer nobody announced.
	b.add(1399, ledger.Event{Kind: ledger.Established, Probe: "http", Conn: "c-hint", Peer: "192.0.2.1:80", Detail: map[string]string{"pod": "gw-b"}})
	b.add(1400, ledger.Event{Kind: ledger.Drop, Probe: "http", Conn: "c-hint", Cause: "eof"})

	v := Evaluate(Expect{}, b.evs)
	got := map[string]Drop{}
	for _, d := range v.DropDetails {
		got[d.Conn] = d
	}
	cases := []struct {
		conn, pod     string
		event         ledger.Kind
		afterDeleting bool
	}{
		{"c-old", "ns/old-x", ledger.PodGone, true},
		{"c-a", "ns/gw-a", ledger.EndpointRemoved, true},
		{"c-b", "ns/gw-b", ledger.PodReady, false},
		{"c-none", "", "", false},
		{"c-new", "ns/new-y", ledger.PodReady, false},
		{"c-hint", "ns/gw-b", ledger.PodReady, false},
	}
	for _, c := range cases {
		d, ok := got[c.conn]
		if !ok {
			t.Errorf("%s: no drop recorded", c.conn)
			continue
		}
		if d.Pod != c.pod || d.PodEvent != c.event || d.AfterDeleting != c.afterDeleting {
			t.Errorf("%s attributed to %q/%q after-deleting=%v, want %q/%q %v", c.conn, d.Pod, d.PodEvent, d.AfterDeleting, c.pod, c.event, c.afterDeleting)
		}
	}
	if v.Drops != len(cases) {
		t.Errorf("drops %d, want %d (unattributable drops still count)", v.Drops, len(cases))
	}
	if m := podMetric(v, "ns/gw-b"); m.Drops != 2 || m.Connections != 2 {
		t.Errorf("gw-b metrics %+v", m)
	}
}

// Stalls are judged only when asked; a dial failure fails by default, as a
// drop does, unless the scenario tolerates it.
func TestStallsJudgedWhenAskedDialFailuresByDefault(t *testing.T) {
	b := rollout(true)
	b.add(2000, ledger.Event{Kind: ledger.Stall, Probe: "ssh", Conn: "ssh-000", Latency: 700 * time.Millisecond})
	b.add(2100, ledger.Event{Kind: ledger.DialFailure, Probe: "ssh", Conn: "ssh-009", Cause: "refused"})
	if v := Evaluate(Expect{}, b.evs); v.Pass || v.Outcome != Fail || findings(v, CheckStalls) != nil || findings(v, CheckDialFailures)[0].Pass {
		t.Fatalf("default: a dial failure must fail, stalls not judged: outcome %s %+v", v.Outcome, v.Findings)
	}
	if v := Evaluate(Expect{MaxDialFailures: intp(1)}, b.evs); !v.Pass || v.Stalls != 1 || v.DialFailures != 1 {
		t.Fatalf("tolerated: pass=%v stalls=%d dialFailures=%d", v.Pass, v.Stalls, v.DialFailures)
	}
	v := Evaluate(Expect{MaxStalls: intp(0), MaxDialFailures: intp(0)}, b.evs)
	if v.Pass {
		t.Fatal("stall and dial failure passed max 0")
	}
	for check, kind := range map[string]ledger.Kind{CheckStalls: ledger.Stall, CheckDialFailures: ledger.DialFailure} {
		fs := findings(v, check)
		if len(fs) != 1 || fs[0].Pass || len(fs[0].Evidence) != 1 || fs[0].Evidence[0].Kind != kind {
			t.Errorf("%s findings: %+v", check, fs)
		}
	}
	if m := podMetric(v, "ns/gw-a"); m.Stalls != 1 {
		t.Errorf("gw-a stalls %d", m.Stalls)
	}
}

func TestSuccessRatioReportsTheWorstWindow(t *testing.T) {
	b := &book{}
	b.disruption(0)
	for i := 0; i < 30; i++ { // 10 requests per second over 3 s
		at := i * 100
		code, errText := 200, ""
		if at >= 1000 && at < 2000 && i%2 == 0 { // half fail in [1s, 2s)
			code = 503
		}
		if at == 2900 {
			code, errText = 0, "read: connection reset by peer"
		}
		b.request(at, code, errText)
	}
	b.done(3000)
	v := Evaluate(Expect{MinSuccessRatio: floatp(0.9), Window: DP(time.Second)}, b.evs)
	if v.Pass || v.Requests != 30 || v.Errors != 6 {
		t.Fatalf("pass=%v requests=%d errors=%d", v.Pass, v.Requests, v.Errors)
	}
	s := v.SuccessRatio
	if s.Worst != 0.5 || s.WorstStart != ms(1000) || s.WorstEnd != ms(2000) || s.WorstTotal != 10 {
		t.Fatalf("worst window %+v", s)
	}
	f := findings(v, CheckSuccessRatio)[0]
	if len(f.Evidence) != 5 || !strings.Contains(f.Message, "+1.000s..+2.000s") {
		t.Errorf("finding %q with %d events (want the 5 failures of the worst window)", f.Message, len(f.Evidence))
	}
	for _, e := range f.Evidence {
		if e.Time.Before(ms(1000)) || !e.Time.Before(ms(2000)) || e.Code != 503 {
			t.Errorf("evidence outside the worst window: %+v", e)
		}
	}
	// Over the whole run 24/30 = 0.8 succeeded.
	if v := Evaluate(Expect{MinSuccessRatio: floatp(0.8)}, b.evs); !v.Pass || v.SuccessRatio.Worst != 0.8 {
		t.Errorf("whole-run ratio: pass=%v %+v", v.Pass, v.SuccessRatio)
	}
}

func TestSuccessRatioWithoutTrafficFails(t *testing.T) {
	v := Evaluate(Expect{MinSuccessRatio: floatp(0.5)}, rollout(true).evs)
	if v.Pass || !strings.Contains(findings(v, CheckSuccessRatio)[0].Message, "cannot be judged") {
		t.Fatalf("no traffic judged as pass: %+v", v.Findings)
	}
}

func TestOutcomeIncompleteNeverPasses(t *testing.T) {
	if v := Evaluate(Expect{}, nil); v.Outcome != Incomplete || v.Succeeded() {
		t.Fatalf("empty ledger: outcome %s, succeeded %v", v.Outcome, v.Succeeded())
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	evs := []ledger.Event{
		{Seq: 1, Time: t0, Kind: ledger.Established, Probe: "ssh", Conn: "ssh-1"},
		{Seq: 2, Time: t0.Add(time.Second), Kind: ledger.ClosedByClient, Probe: "ssh", Conn: "ssh-1"},
	}
	if v := Evaluate(Expect{}, evs); v.Outcome != Pass {
		t.Fatalf("clean run: outcome %s", v.Outcome)
	}
	evs = append(evs, ledger.Event{Seq: 3, Time: t0.Add(2 * time.Second), Kind: ledger.Incomplete, Error: "interrupted"})
	v := Evaluate(Expect{}, evs)
	if v.Outcome != Incomplete || v.Succeeded() || len(v.IncompleteReasons) != 1 || v.IncompleteReasons[0] != "interrupted" {
		t.Fatalf("interrupted run: outcome %s, reasons %q", v.Outcome, v.IncompleteReasons)
	}
	twin := Expect{ExpectFailure: &NegativeControl{}}
	if v := Evaluate(twin, evs); v.Outcome != Incomplete || v.Succeeded() {
		t.Fatalf("interrupted twin: outcome %s", v.Outcome)
	}
}
