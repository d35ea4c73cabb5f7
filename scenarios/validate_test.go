package scenarios

import (
	"strings"
	"testing"
)

const good = `apiVersion: drainproof.dev/v1alpha1
kind: Scenario
name: x
description: d
manifests: m.yaml
ready: [deployment/a]
probes:
  ssh: {service: gw, port: 2222, sessions: 2, lifetime: 5s}
disruption: {action: rollout-restart, target: deployment/gw}
expect: {maxDrops: 0}
timeout: 1m
`

func TestParseErrorsNameTheField(t *testing.T) {
	if _, err := Parse("x.yaml", []byte(good)); err != nil {
		t.Fatalf("good scenario rejected: %v", err)
	}
	if _, err := Parse("x.yaml", []byte(strings.Replace(good, "lifetime: 5s}", "lifetime: 5s}\n  endAfterDisruption: 1s", 1))); err != nil {
		t.Fatalf("probes.endAfterDisruption rejected: %v", err)
	}
	if _, err := Parse("x.yaml", []byte(good+"images: [traefik]\n")); err != nil {
		t.Fatalf("a gateway image rejected: %v", err)
	}
	for _, tc := range []struct{ from, to, want string }{
		{"kind: Scenario", "kind: Scenario\nfoo: bar", `x.yaml: foo: unknown field`},
		{"sessions: 2", "sessions: 0", "probes.ssh.sessions"},
		{"lifetime: 5s", "lifetime: 5", "duration must be a string"},
		{"lifetime: 5s", "lifetime: -5s", "probes.ssh.lifetime"},
		{"lifetime: 5s}", "lifetime: 5s}\n  endAfterDisruption: -1s", "x.yaml: probes.endAfterDisruption: must not be negative"},
		{"lifetime: 5s}", "lifetime: 5s}\n  endAfterDisruption: 1", "x.yaml: probes.endAfterDisruption: "},
		{"action: rollout-restart", "action: reboot", "disruption.action"},
		{"target: deployment/gw", "target: gw", "disruption.target"},
		{"ready: [deployment/a]", "ready: [pod/a]", "ready[0]"},
		{"maxDrops: 0", "maxDrops: -1", "expect.maxDrops"},
		{"timeout: 1m", "timeout: 0s", "timeout"},
		{"sessions: 2", "sessions: two", `x.yaml: probes.ssh.sessions: expected int, got a string "two"`},
		{"lifetime: 5s", `lifetime: "25 seconds"`, `x.yaml: probes.ssh.lifetime: duration "25 seconds": `},
		{"sessions: 2", "sesions: 2", "x.yaml: probes.ssh.sesions: unknown field"},
		{"maxDrops: 0", "maxDrops: 0, window: 5", "x.yaml: expect.window: "},
		{"ready: [deployment/a]", "ready: deployment/a", "x.yaml: ready: expected a list"},
		{"name: x", "name: x\nname: y", `"name" already set`},
		{"sessions: 2", "sessions: 2, port: 22", `"port" already set`},
		{"manifests: m.yaml", "manifests: ../m.yaml", "x.yaml: manifests: "},
		{"manifests: m.yaml", "manifests: /etc/m.yaml", "x.yaml: manifests: "},
		{"apiVersion: drainproof.dev/v1alpha1", "apiVersion: v9", "apiVersion"},
		{"name: x", "name: X_Y", "name"},
		{"manifests: m.yaml", "manifests: m.yaml\nimages: [envoy]", `x.yaml: images[0]: "envoy" is not one of traefik`},
		{"manifests: m.yaml", "manifests: m.yaml\nimages: [traefik, traefik]", `x.yaml: images[1]: "traefik" is named twice`},
		{"manifests: m.yaml", "manifests: m.yaml\nprofile: istio\nimages: [traefik]", `x.yaml: images[0]: "traefik": only profile manifests`},
	} {
		_, err := Parse("x.yaml", []byte(strings.Replace(good, tc.from, tc.to, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "x.yaml: ") {
			t.Errorf("%q -> %q: error %v, want it to name %q and the file", tc.from, tc.to, err, tc.want)
		}
	}
}

func TestResolveUnknownNameIsClear(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Resolve("no-such-scenario")
	if err == nil || !strings.Contains(err.Error(), "--scenario") {
		t.Fatalf("got %v", err)
	}
}
