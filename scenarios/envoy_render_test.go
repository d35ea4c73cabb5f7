package scenarios

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// proxyContainer renders scenario name with the envoy and gloo profiles'
// image names and returns the named Deployment's pod spec pieces.
func proxyPod(t *testing.T, name, deployment string) (containers, inits []any) {
	t.Helper()
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	s, ok := c.Get(name)
	if !ok {
		t.Fatalf("catalog lacks %s", name)
	}
	objs, err := Render(c.files, s, Values{Namespace: "ns", SSHSecret: "sec", Images: map[string]string{
		"fixtures": "f:1", "gateway": "g:1", "envoy": "e:1", "gloo-envoy-wrapper": "w:1"}})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, o := range objs {
		if o.GetKind() == "Deployment" && o.GetName() == deployment {
			containers, _, _ = unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
			inits, _, _ = unstructured.NestedSlice(o.Object, "spec", "template", "spec", "initContainers")
			return containers, inits
		}
	}
	t.Fatalf("%s: no Deployment %s", name, deployment)
	return nil, nil
}

// preStop is the joined preStop exec command of the container named name ("" when none).
func preStop(t *testing.T, containers []any, name, image string) string {
	t.Helper()
	for _, c := range containers {
		m := c.(map[string]any)
		if m["name"] != name {
			continue
		}
		if m["image"] != image {
			t.Errorf("container %s: image %v, want %s", name, m["image"], image)
		}
		cmd, _, _ := unstructured.NestedStringSlice(m, "lifecycle", "preStop", "exec", "command")
		return strings.Join(cmd, " ")
	}
	t.Fatalf("no container %s", name)
	return ""
}

func TestRenderEnvoyPreStops(t *testing.T) {
	for name, want := range map[string]string{
		"envoy-rollout-ssh":           `/drainproof/bin/drainwait --envoy-admin http://127.0.0.1:19000 --drain-listeners all --listener-filter ^listener\.0\.0\.0\.0_(2222|8080)\.downstream_cx_active$ --interval 250ms --deadline 90s`,
		"envoy-rollout-ssh-sleep":     "sleep 40",
		"envoy-rollout-ssh-noprestop": "",
	} {
		cs, inits := proxyPod(t, name, "envoy")
		if got := preStop(t, cs, "envoy", "e:1"); got != want {
			t.Errorf("%s: preStop %q, want %q", name, got, want)
		}
		// drainwait is copied from the gateway image only where the preStop runs it.
		if (len(inits) == 1) != strings.Contains(want, "drainwait") {
			t.Errorf("%s: init containers %v", name, inits)
		}
	}
}

func TestRenderGlooPreStops(t *testing.T) {
	const fail = `wget --post-data "" -O /dev/null 127.0.0.1:19000/healthcheck/fail; `
	for name, want := range map[string]string{
		"gloo-proxy-rollout-ssh":             "/bin/sh -c " + fail + `exec /drainproof/bin/drainwait --envoy-admin http://127.0.0.1:19000 --listener-filter "^listener\.0\.0\.0\.0_2222\.downstream_cx_active$" --interval 250ms --deadline 60s`,
		"gloo-proxy-rollout-ssh-sleep-short": "/bin/sh -c " + fail + "sleep 5",
		"gloo-proxy-rollout-ssh-sleep-long":  "/bin/sh -c " + fail + "sleep 45",
	} {
		cs, inits := proxyPod(t, name, "gateway-proxy")
		if got := preStop(t, cs, "gateway-proxy", "w:1"); got != want {
			t.Errorf("%s: preStop\n %q, want\n %q", name, got, want)
		}
		if (len(inits) == 1) != strings.Contains(want, "drainwait") {
			t.Errorf("%s: init containers %v", name, inits)
		}
	}
}
