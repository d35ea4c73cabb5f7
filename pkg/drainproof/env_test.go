package drainproof

import "testing"

// The suite's -labels (e2e-framework's map) becomes the selector it means.
func TestSelectorOfLabelsFlag(t *testing.T) {
	for want, m := range map[string]map[string][]string{
		"":                                    {},
		"gateway=traefik":                     {"gateway": {"traefik"}},
		"profile in (envoy,gloo),suite=smoke": {"suite": {"smoke"}, "profile": {"gloo", "envoy", "gloo"}},
	} {
		if got := selectorOf(m); got != want {
			t.Errorf("selectorOf(%v) = %q, want %q", m, got, want)
		}
	}
}
