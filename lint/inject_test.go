package lint

import (
	"context"
	"os"
	"strings"
	"testing"
)

// replyInjector answers Inject with a fixed reply and records the call.
// (Istio's real injection is exercised in internal/profile's tests; this one
// pins lint's side: what is sent, and that a reply not matching it is refused.)
type replyInjector struct {
	reply              string
	sent               string
	meshDefaults, vals map[string]any
}

func (r *replyInjector) Inject(_ context.Context, m []byte, md, v map[string]any) ([]byte, error) {
	r.sent, r.meshDefaults, r.vals = string(m), md, v
	return []byte(r.reply), nil
}
func (r *replyInjector) String() string { return "reply" }

func readCase(t *testing.T, rel string) []Object {
	t.Helper()
	f, err := os.Open("testdata/" + rel)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	objs, err := Read(rel, f)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestInjectIstioSendsOnlyUninjectedWorkloadsWithTheInputsMesh(t *testing.T) {
	objs := readCase(t, "exit-on-zero-capped-by-grace/mesh-default-config.yaml")
	if n, err := IstioInjectable(objs, Options{}); err != nil || n != 1 {
		t.Fatalf("IstioInjectable = %d, %v; want 1", n, err)
	}
	r := &replyInjector{reply: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other}\n"}
	if _, _, err := InjectIstio(context.Background(), objs, r, Options{}); err == nil || !strings.Contains(err.Error(), "came back as Deployment/other") {
		t.Fatalf("a reply for another workload: err = %v", err)
	}
	if !strings.Contains(r.sent, `"name":"renderer"`) || strings.Contains(r.sent, "IstioOperator") || strings.Count(r.sent, "---") != 1 {
		t.Errorf("sent %s, want only the renderer Deployment", r.sent)
	}
	if pm, _ := r.meshDefaults["proxyMetadata"].(map[string]any); pm["EXIT_ON_ZERO_ACTIVE_CONNECTIONS"] != "true" {
		t.Errorf("mesh defaults %v, want the IstioOperator's defaultConfig", r.meshDefaults)
	}
	r = &replyInjector{reply: ""}
	if _, _, err := InjectIstio(context.Background(), objs, r, Options{}); err == nil || !strings.Contains(err.Error(), "1 workloads in, 0 out") {
		t.Fatalf("an empty reply: err = %v", err)
	}

	already := readCase(t, "exit-on-zero-capped-by-grace/injected-pod-list.yaml")
	r = &replyInjector{}
	out, n, err := InjectIstio(context.Background(), already, r, Options{})
	if err != nil || n != 0 || r.sent != "" || len(out) != len(already) {
		t.Fatalf("an injected pod was sent again: n=%d err=%v sent=%q", n, err, r.sent)
	}
}

func TestInjectIstioPassesTheInjectorsLifecycle(t *testing.T) {
	objs := readCase(t, "good/istio-injector-prestop-waits.yaml")
	r := &replyInjector{}
	_, _, _ = InjectIstio(context.Background(), objs, r, Options{})
	if r.sent == "" || r.vals == nil {
		t.Fatalf("the case good/istio-injector-prestop-waits.yaml must hold an uninjected workload and an injector ConfigMap: nothing was sent to the injector")
	}
	if _, ok := path(r.vals, "global", "proxy", "lifecycle", "preStop").(map[string]any); !ok {
		t.Errorf("injector values %v lack global.proxy.lifecycle.preStop", r.vals)
	}
}
