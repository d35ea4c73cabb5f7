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

func TestSelectAndNodesFor(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Select("disruption=drain-node")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "gateway-drain-node-ssh,gateway-drain-node-ssh-single" {
		t.Fatalf("Select(disruption=drain-node) = %v", names)
	}
	if NodesFor(got) != 2 {
		t.Fatalf("NodesFor(drain-node pair) = %d, want 2", NodesFor(got))
	}
	smoke, _ := c.Select("suite=smoke")
	if len(smoke) == 0 || NodesFor(smoke) != 1 || NodesFor(nil) != 1 {
		t.Fatalf("smoke: %d scenarios need %d nodes", len(smoke), NodesFor(smoke))
	}
	if _, err := c.Select("suite in (smoke"); err == nil || !strings.Contains(err.Error(), `"suite in (smoke"`) {
		t.Fatalf("malformed selector: %v", err)
	}
}
