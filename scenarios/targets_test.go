package scenarios

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestProfileNamespaceAndSelectorsParse(t *testing.T) {
	src := strings.NewReplacer(
		"ready: [deployment/a]", "ready: [deployment/a, deployments/gateway.envoyproxy.io/owning-gateway-name=eg]",
		"service: gw", "service: app=gw",
		"kind: Scenario", "kind: Scenario\nprofile: manifests\nnamespace: {labels: {istio-injection: enabled}}",
	).Replace(good)
	s, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.ProfileName() != "manifests" || s.Namespace.Labels["istio-injection"] != "enabled" {
		t.Fatalf("profile %q namespace %+v", s.ProfileName(), s.Namespace)
	}
	if name, sel, err := ParseReady(s.Ready[1]); err != nil || name != "" || sel.String() != "gateway.envoyproxy.io/owning-gateway-name=eg" {
		t.Fatalf("ready[1]: %q %v %v", name, sel, err)
	}
	if name, sel, err := ParseService(s.Probes.SSH.Service); err != nil || name != "" || sel.String() != "app=gw" {
		t.Fatalf("service: %q %v %v", name, sel, err)
	}
	if name, sel, err := ParseService("gateway"); err != nil || name != "gateway" || sel != nil {
		t.Fatalf("service name: %q %v %v", name, sel, err)
	}
}

func TestProfileAndSelectorErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"kind: Scenario", "kind: Scenario\nprofile: linkerd", `profile: "linkerd" is not one of`},
		{"kind: Scenario", "kind: Scenario\nprofile: manifests\nlabels: {profile: istio}", "labels.profile"},
		{"ready: [deployment/a]", "ready: [deployments/]", "ready[0]"},
		{"ready: [deployment/a]", "ready: [deployments/a=(]", "ready[0]"},
		{"service: gw", "service: a=(", "probes.ssh.service"},
		{"kind: Scenario", "kind: Scenario\nnamespace: {labels: {drainproof.dev/scenario: x}}", "namespace.labels.drainproof.dev/scenario"},
	} {
		_, err := Parse("x.yaml", []byte(strings.Replace(good, tc.from, tc.to, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: error %v, want it to name %q", tc.from, tc.to, err, tc.want)
		}
	}
}

func TestRenderImageTable(t *testing.T) {
	s, err := Parse("x.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{"m.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '{{ image \"istio-proxy\" }}'}\n")}}
	objs, err := Render(files, s, Values{Namespace: "ns", Images: map[string]string{"istio-proxy": "p:1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := objs[0].Object["data"].(map[string]any)["a"]; got != "p:1" {
		t.Fatalf("image rendered as %v", got)
	}
	_, err = Render(files, s, Values{Namespace: "ns", Images: map[string]string{"fixtures": "f:1"}})
	if err == nil || !strings.Contains(err.Error(), `image "istio-proxy" is not in this run's image table (have: fixtures)`) {
		t.Fatalf("unknown image: %v", err)
	}
}

// {{ chart }} renders what the profile offers for the run's namespace; a chart it
// does not offer, and a dict that is not key value pairs, are errors that say so.
func TestRenderChartsAndDicts(t *testing.T) {
	files := fstest.MapFS{"m.yaml": {Data: []byte("---\n{{ chart \"gw\" (dict \"name\" \"x\") }}\n")}}
	s := &Scenario{Name: "c", Profile: "istio", Manifests: "m.yaml", Source: "c.yaml"}
	gw := func(ns, pull string, v map[string]string) (string, error) {
		if pull != "Never" {
			t.Errorf("chart rendered with pull policy %q, want the run's (Never by default)", pull)
		}
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + v["name"] + ", namespace: " + ns + "}\n", nil
	}
	objs, err := Render(files, s, Values{Namespace: "ns-1", Charts: map[string]Chart{"gw": gw}})
	if err != nil || len(objs) != 1 || objs[0].GetName() != "x" || objs[0].GetNamespace() != "ns-1" {
		t.Fatalf("objs %v err %v", objs, err)
	}
	if _, err := Render(files, s, Values{Namespace: "ns-1"}); err == nil || !strings.Contains(err.Error(), `chart "gw" is not offered by this scenario's profile ("istio" offers: none)`) {
		t.Fatalf("missing chart: %v", err)
	}
	odd := fstest.MapFS{"m.yaml": {Data: []byte("{{ chart \"gw\" (dict \"name\") }}\n")}}
	if _, err := Render(odd, s, Values{Namespace: "ns-1", Charts: map[string]Chart{"gw": gw}}); err == nil || !strings.Contains(err.Error(), "odd number of arguments") {
		t.Fatalf("odd dict: %v", err)
	}
}
