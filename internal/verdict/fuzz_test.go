package verdict

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

var fuzzKinds = []ledger.Kind{
	ledger.Dial, ledger.Established, ledger.DialFailure, ledger.Stall, ledger.ClosedByClient,
	ledger.ClosedByServer, ledger.Drop, ledger.Request, ledger.Hit, ledger.Outbound,
	ledger.PodCreated, ledger.PodReady, ledger.PodNotReady, ledger.PodDeleting, ledger.ContainerExited,
	ledger.PodGone, ledger.EndpointAdded, ledger.EndpointRemoved, ledger.DisruptionStart,
	ledger.DisruptionDone, ledger.Note, "unknown-kind",
}

var (
	fuzzConns = []string{"", "c0", "c1", "c2"}
	fuzzPods  = []string{"", "ns/p0", "ns/p1", "p1", "other/p1"}
	fuzzIPs   = []string{"", "10.0.0.1", "10.0.0.2", "[::1]:80", "10.0.0.1:5", "garbage:"}
	fuzzConts = []string{"", "app", "sidecar"}
)

// fuzzInput turns bytes into an Expect and a ledger: the first 8 bytes pick
// the expectations, then every 6 bytes make one event.
func fuzzInput(data []byte) (Expect, []ledger.Event) {
	var e Expect
	pick := func(i int) byte {
		if i < len(data) {
			return data[i]
		}
		return 0
	}
	flags := pick(0)
	if flags&1 != 0 {
		e.MaxDrops = intp(int(pick(1) % 4))
	}
	if flags&2 != 0 {
		e.MaxStalls, e.MaxDialFailures = intp(int(pick(1)%3)), intp(int(pick(2)%3))
	}
	if flags&4 != 0 {
		e.MinSuccessRatio = floatp(float64(pick(2)) / 255)
		e.Window = DP(time.Duration(int8(pick(3))) * 7 * time.Millisecond) // may be 0 or negative
	}
	if flags&8 != 0 {
		e.MinOutboundSuccess = floatp(float64(pick(4)) / 255)
		e.OutboundContainer = fuzzConts[int(pick(5))%len(fuzzConts)]
	}
	if flags&16 != 0 {
		e.MaxLinger = DP(time.Duration(pick(6)) * 10 * time.Millisecond)
	}
	if flags&32 != 0 {
		e.MaxDrainTime = DP(time.Duration(pick(7)) * 10 * time.Millisecond)
	}
	if flags&64 != 0 {
		e.ExpectFailure = &NegativeControl{Attribution: AttributionRequired, PodPrefix: "p", FailChecks: []string{CheckDrops}}
	}
	var evs []ledger.Event
	now := t0
	for i := 8; i+6 <= len(data); i += 6 {
		b := data[i : i+6]
		now = now.Add(time.Duration(int8(b[0])) * 3 * time.Millisecond)
		ev := ledger.Event{
			Seq:  int64(b[5] % 8), // collisions on purpose
			Time: now,
			Kind: fuzzKinds[int(b[1])%len(fuzzKinds)],
			Conn: fuzzConns[int(b[2])%len(fuzzConns)],
			Pod:  fuzzPods[int(b[3])%len(fuzzPods)],
			Peer: fuzzIPs[int(b[4])%len(fuzzIPs)],
			Code: int(b[5]) * 3,
		}
		if b[2]&0x80 != 0 {
			ev.Detail = map[string]string{"ip": fuzzIPs[int(b[4]>>3)%len(fuzzIPs)], "container": fuzzConts[int(b[3]>>3)%len(fuzzConts)]}
		}
		if b[3]&0x40 != 0 {
			if ev.Detail == nil {
				ev.Detail = map[string]string{}
			}
			ev.Detail["pod"] = fuzzPods[int(b[5]>>4)%len(fuzzPods)]
		}
		if b[4]&0x80 != 0 {
			ev.Error, ev.Cause = "boom", "reset"
		}
		evs = append(evs, ev)
	}
	return e, evs
}

// FuzzEvaluate: Evaluate never panics, is order-independent, and its verdict
// is self-consistent. Run with: go test ./internal/verdict -fuzz FuzzEvaluate
func FuzzEvaluate(f *testing.F) {
	f.Add([]byte{0x7f, 1, 2, 3, 4, 5, 6, 7, 1, 11, 1, 1, 0x81, 0, 1, 1, 1, 1, 1, 1, 5, 13, 0, 1, 0, 0, 2, 6, 1, 1, 1, 0})
	f.Add([]byte{0xff, 0, 200, 0x80, 9, 1, 250, 3})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		exp, evs := fuzzInput(data)
		v := Evaluate(exp, evs)
		rev := make([]ledger.Event, len(evs))
		for i := range evs {
			rev[len(evs)-1-i] = evs[i]
		}
		a, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if b, _ := json.Marshal(Evaluate(exp, rev)); string(a) != string(b) {
			t.Fatalf("order-dependent verdict:\n%s\n%s", a, b)
		}
		if v.Drops != len(v.DropDetails) || v.Drops < 0 || v.Connections < 0 {
			t.Fatalf("drops %d vs details %d", v.Drops, len(v.DropDetails))
		}
		pass := true
		for _, f := range v.Findings {
			if f.Check != CheckControl && !f.Pass {
				pass = false
			}
			if len(f.Evidence) > 3*EvidenceCap {
				t.Fatalf("evidence not capped: %d", len(f.Evidence))
			}
		}
		if pass != v.Pass {
			t.Fatalf("Pass=%v but findings say %v", v.Pass, pass)
		}
		if exp.ExpectFailure != nil && v.Pass && v.Control.Held {
			t.Fatal("control held on a passing verdict")
		}
	})
}
