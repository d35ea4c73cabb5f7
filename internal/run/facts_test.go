package run

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestDrainFactsOfAnInjectedPod(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	grace := int64(40)
	p := &corev1.Pod{Spec: corev1.PodSpec{
		TerminationGracePeriodSeconds: &grace,
		InitContainers: []corev1.Container{
			{Name: "istio-init"},
			{Name: "istio-proxy", RestartPolicy: &always,
				Env:       []corev1.EnvVar{{Name: "PROXY_CONFIG", Value: `{"terminationDrainDuration":"7s"}`}, {Name: "EXIT_ON_ZERO_ACTIVE_CONNECTIONS", Value: "true"}},
				Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"pilot-agent", "request", "--debug-port=15020", "POST", "drain"}}}}},
		},
		Containers: []corev1.Container{{Name: "app"}},
	}}
	want := map[string]string{
		"grace":                                    "40s",
		"istio-proxy.kind":                         "native-sidecar",
		"istio-proxy.preStop":                      "exec: pilot-agent request --debug-port=15020 POST drain",
		"app.kind":                                 "container",
		"app.preStop":                              "none",
		"istio.sidecar":                            "native",
		"istio.terminationDrainDuration":           "7s",
		"istio.EXIT_ON_ZERO_ACTIVE_CONNECTIONS":    "true",
		"istio.MINIMUM_DRAIN_DURATION":             "unset",
		"istio.TERMINATION_DRAIN_DURATION_SECONDS": "unset",
	}
	if got := DrainFacts(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("facts\n got %v\nwant %v", got, want)
	}
	p.Spec.InitContainers = nil
	p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "istio-proxy"})
	p.Spec.TerminationGracePeriodSeconds = nil
	got := DrainFacts(p)
	if got["istio.sidecar"] != "classic" || got["istio.terminationDrainDuration"] != "5s (Istio's default)" || got["grace"] != "30s (default)" {
		t.Fatalf("classic facts %v", got)
	}
}
