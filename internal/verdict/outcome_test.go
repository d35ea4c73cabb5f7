package verdict

import (
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

func TestOverallFailOutranksIncompleteAndNothingIsNoPass(t *testing.T) {
	for _, tc := range []struct {
		in   []Outcome
		want Outcome
	}{
		{nil, Incomplete},
		{[]Outcome{Pass, FailedAsExpected}, Pass},
		{[]Outcome{Pass, NotRun}, Incomplete},
		{[]Outcome{Incomplete, Pass}, Incomplete},
		{[]Outcome{Incomplete, ControlDidNotHold}, Fail},
		{[]Outcome{Pass, Fail, Incomplete}, Fail},
	} {
		if got := Overall(tc.in...); got != tc.want {
			t.Errorf("Overall(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// A ledger saying the run never started (ledger.NotRun) is NOT RUN with its reason: never a
// pass, never a twin's expected failure, and Overall counts it as not judged.
func TestNotRunLedgerIsNotRun(t *testing.T) {
	evs := []ledger.Event{{Seq: 1, Time: time.Unix(100, 0), Kind: ledger.NotRun, Probe: "preflight", Error: "docker.io/istio/proxyv2:1.26.3: unreachable"}}
	for _, exp := range []Expect{{}, {ExpectFailure: &NegativeControl{}}} {
		v := Evaluate(exp, evs)
		if v.Outcome != NotRun || v.Pass || v.Succeeded() || len(v.IncompleteReasons) != 1 || v.IncompleteReasons[0] != evs[0].Error {
			t.Fatalf("verdict %+v; want NOT RUN naming the reason", v)
		}
		if Overall(v.Outcome, Pass) != Incomplete {
			t.Fatalf("Overall with a NOT RUN = %s", Overall(v.Outcome, Pass))
		}
	}
}
