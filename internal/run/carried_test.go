package run

import (
	"testing"

	"github.com/drainproof/drainproof/internal/reports"
	"github.com/drainproof/drainproof/scenarios"
)

// A probe the data plane cannot carry is left out and named with its reason; the others run.
func TestCarriedLeavesOutWhatTheDataPlaneCannotCarry(t *testing.T) {
	in := scenarios.Probes{SSH: &scenarios.SSHProbe{Service: "gw"}, HTTP: &scenarios.HTTPProbe{Service: "gw"}}
	got, notRun := carried(in, map[string]string{"http": "needs real Envoy", "load": "needs real Envoy"})
	if got.SSH == nil || got.HTTP != nil {
		t.Fatalf("carried: ssh %v http %v, want ssh only", got.SSH, got.HTTP)
	}
	if in.HTTP == nil {
		t.Fatal("the scenario's own probes were changed")
	}
	if len(notRun) != 1 || notRun[0] != (reports.ProbeNotRun{Probe: "http", Reason: "needs real Envoy"}) {
		t.Fatalf("not run: %v, want the http probe only (the scenario has no load probe)", notRun)
	}
	if all, none := carried(in, nil); all.HTTP == nil || all.SSH == nil || none != nil {
		t.Fatalf("without NotCarried every probe runs: %v %v", all, none)
	}
}
