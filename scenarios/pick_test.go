package scenarios

import (
	"strings"
	"testing"
)

func TestDisruptionPickIsValidated(t *testing.T) {
	podAction := strings.Replace(good, "{action: rollout-restart, target: deployment/gw}", "{action: evict, target: pods/app=gw, pick: PICK}", 1)
	for _, pick := range []string{PickBusiest, PickAll} {
		if _, err := Parse("x.yaml", []byte(strings.Replace(podAction, "PICK", pick, 1))); err != nil {
			t.Errorf("pick %s rejected: %v", pick, err)
		}
	}
	for _, tc := range []struct{ doc, want string }{
		{strings.Replace(podAction, "PICK", "first", 1), `disruption.pick: must be "busiest" or "all", got "first"`},
		{strings.Replace(good, "target: deployment/gw}", "target: deployment/gw, pick: all}", 1), "disruption.pick: applies to pods/ targets"},
	} {
		if _, err := Parse("x.yaml", []byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}
