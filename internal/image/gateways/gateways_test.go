package gateways

import (
	"slices"
	"strings"
	"testing"

	"github.com/drainproof/drainproof/scenarios"
)

// Every gateway a scenario may name is registered, and the other way round.
func TestGatewaysMatchTheScenarioSchema(t *testing.T) {
	want := slices.Clone(scenarios.GatewayImages)
	slices.Sort(want)
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("registered gateways %v, scenario schema allows %v", got, want)
	}
	for _, n := range Names() {
		g, _ := Get(n)
		if g.Image == nil || g.DataPlane.Proxy == "" || g.DataPlane.StandIn {
			t.Errorf("gateway %s: needs an image builder and a real data plane, got %+v", n, g.DataPlane)
		}
	}
	if _, err := Get("nope"); err == nil || !strings.Contains(err.Error(), "known: traefik") {
		t.Fatalf("unknown gateway: err = %v", err)
	}
}
