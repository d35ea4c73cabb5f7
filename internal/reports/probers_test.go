package reports

import (
	"slices"
	"testing"
)

// Reports say where the probes ran; the qualification report keeps what
// a suite's runs share (not which node each prober had).
func TestEnvironmentSaysWhereProbesRan(t *testing.T) {
	e := &Environment{Probers: "in-cluster: 2 prober pods (dp-prober-0 on node a, dp-prober-1 on node b)"}
	if !slices.Contains(e.rows(), [2]string{"probes ran", e.Probers}) {
		t.Errorf("rows %v", e.rows())
	}
	q := QualificationReport{}
	fillFromRuns(&q, []Result{{Run: Run{Env: e}}})
	if got := q.Versions["probes"]; got != "in-cluster: 2 prober pods" {
		t.Errorf("qualification probes %q", got)
	}
}
