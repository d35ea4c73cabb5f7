package istio

import (
	"strings"
	"testing"
)

func TestParseGatewayValuesNamesTheBadKey(t *testing.T) {
	good := map[string]string{"name": "ingress", "replicas": "2", "grace": "60", "serviceType": "NodePort",
		"ports": "tcp-ssh:2222,http:80:8080", "labels.istio": "ns-1", "env.EXIT_ON_ZERO_ACTIVE_CONNECTIONS": "true",
		"podAnnotations.proxy.istio.io/config": `{"terminationDrainDuration": "45s"}`}
	o, err := ParseGatewayValues("ns-1", good)
	if err != nil {
		t.Fatal(err)
	}
	if o.Replicas != 2 || o.TerminationGracePeriodSeconds != 60 || len(o.Ports) != 2 || o.Ports[1].TargetPort != 8080 ||
		o.Labels["istio"] != "ns-1" || o.Env["EXIT_ON_ZERO_ACTIVE_CONNECTIONS"] != "true" ||
		o.PodAnnotations["proxy.istio.io/config"] == "" || o.Namespace != "ns-1" {
		t.Fatalf("parsed %+v", o)
	}
	for key, bad := range map[string]map[string]string{
		"values.replics":    {"name": "ingress", "replics": "2"},
		"values.replicas":   {"name": "ingress", "replicas": "two"},
		"values.grace":      {"name": "ingress", "grace": "-1"},
		"values.ports[1]":   {"name": "ingress", "ports": "ssh:2222,http"},
		"values.name":       {"replicas": "1"},
		"Labels[\"istio\"]": {"name": "ingress", "labels.istio": "not a label value!"},
		"ServiceType":       {"name": "ingress", "serviceType": "External"},
	} {
		if _, err := ParseGatewayValues("ns-1", bad); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%v: want an error naming %s, got %v", bad, key, err)
		}
	}
}

// The gateway a scenario asks for is Istio's own chart, carrying the scenario's drain knobs.
func TestGatewayChartRendersTheScenarioKnobs(t *testing.T) {
	m, err := GatewayChart(&Built{ModuleDir: pinnedModule(t)})("ns-1", "Never", map[string]string{"name": "ingress", "replicas": "2", "grace": "60",
		"serviceType": "NodePort", "ports": "tcp-ssh:2222", "labels.istio": "ns-1",
		"env.TERMINATION_DRAIN_DURATION_SECONDS": "5"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"inject.istio.io/templates: gateway", `istio: "ns-1"`, "terminationGracePeriodSeconds: 60",
		"name: TERMINATION_DRAIN_DURATION_SECONDS", "type: NodePort", "port: 2222", "kind: Role\n", "kind: ServiceAccount"} {
		if !strings.Contains(m, want) {
			t.Errorf("rendered gateway lacks %q:\n%s", want, m)
		}
	}
}
