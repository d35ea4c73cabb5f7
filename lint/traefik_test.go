package lint

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestReadTraefikTakesTheLongestEntrypointDrain(t *testing.T) {
	for _, tc := range []struct {
		name   string
		c      corev1.Container
		ok     bool
		ep     string
		total  time.Duration
		gPath  string
		gValue string
	}{
		{"not traefik", corev1.Container{Name: "traefik", Image: "haproxy:3"}, false, "", 0, "", ""},
		{"defaults for a declared entrypoint", corev1.Container{Image: "traefik:v3.6", Args: []string{"--entryPoints.web.address=:80"}},
			true, "web", 10 * time.Second, "c.args(--entryPoints.web.transport.lifeCycle.graceTimeOut)", "10s (unset: traefik's default)"},
		{"separate value, bare seconds, longest wins", corev1.Container{Command: []string{"/usr/local/bin/traefik"}, Args: []string{
			"--entrypoints.a.transport.lifecycle.gracetimeout", "20", "--entryPoints.b.transport.lifeCycle.graceTimeOut=30s",
			"--entryPoints.b.transport.lifeCycle.requestAcceptGraceTimeout=5s"}},
			true, "b", 35 * time.Second, "c.args[2]", "30s"},
		{"env", corev1.Container{Image: "traefik", Env: []corev1.EnvVar{{Name: "TRAEFIK_ENTRYPOINTS_SSH_TRANSPORT_LIFECYCLE_GRACETIMEOUT", Value: "1m"}}},
			true, "ssh", time.Minute, "c.env[0](TRAEFIK_ENTRYPOINTS_SSH_TRANSPORT_LIFECYCLE_GRACETIMEOUT)", "1m"},
		{"a config file: no defaults assumed", corev1.Container{Image: "traefik", Args: []string{"--configFile=/etc/traefik.yml", "--entryPoints.web.address=:80"}},
			true, "", 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			td, ok := readTraefik(containerRef{c: &tc.c, path: "c"})
			if ok != tc.ok || td.entrypoint != tc.ep || td.total() != tc.total {
				t.Fatalf("readTraefik = %+v, %v; want entrypoint %q total %v ok %v", td, ok, tc.ep, tc.total, tc.ok)
			}
			if tc.gPath != "" && (td.grace.Path != tc.gPath || td.grace.Value != tc.gValue) {
				t.Fatalf("graceTimeOut = %s = %s, want %s = %s", td.grace.Path, td.grace.Value, tc.gPath, tc.gValue)
			}
		})
	}
}
