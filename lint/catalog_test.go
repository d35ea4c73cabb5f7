package lint

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/drainproof/drainproof/harness/profile"
	"github.com/drainproof/drainproof/scenarios"
)

// catalogWant is, per scenario of drainproof's own catalog, the rules lint
// must flag in its rendered manifests: a good scenario none, a known-bad
// twin whose mistake is static the rule that names it. A twin whose mistake
// is behaviour no manifest shows says why in notStatic.
var catalogWant = map[string][]string{
	"gateway-rollout-ssh":                     nil,
	"gateway-rollout-ssh-nodrain":             {"long-lived-port-without-drain"},
	"gateway-linger":                          {"fixed-sleep-prestop"},
	"nginx-gateway-rollout-ssh":               nil,
	"nginx-gateway-rollout-ssh-nodrain":       {"long-lived-port-without-drain"},
	"app-delete-http":                         nil,
	"app-delete-http-noprestop":               nil,
	"sidecar-outbound-native":                 nil,
	"sidecar-outbound-prestop":                nil,
	"sidecar-outbound-classic":                {"classic-sidecar-stops-first"},
	"istio-outbound-native":                   nil,
	"istio-outbound-exit-on-zero":             nil,
	"istio-outbound-classic":                  {"classic-sidecar-stops-first"},
	"istio-ssh-exit-on-zero":                  nil,
	"istio-ssh-drain-short":                   {"classic-sidecar-stops-first", "long-lived-port-without-drain"},
	"istio-ssh-grace-short":                   {"exit-on-zero-capped-by-grace"},
	"istio-gateway-rollout-ssh":               nil,
	"istio-gateway-rollout-ssh-drain-short":   {"long-lived-port-without-drain"},
	"envoy-rollout-ssh":                       nil,
	"envoy-rollout-ssh-sleep":                 {"fixed-sleep-prestop"},
	"envoy-rollout-ssh-noprestop":             {"long-lived-port-without-drain"},
	"gloo-proxy-rollout-ssh":                  nil,
	"gloo-proxy-rollout-ssh-sleep-short":      {"fixed-sleep-prestop"},
	"gloo-proxy-rollout-ssh-sleep-long":       {"fixed-sleep-prestop"},
	"gateway-drain-node-ssh":                  nil,
	"gateway-drain-node-ssh-single":           {"long-lived-port-without-drain"},
	"traefik-gateway-rollout-ssh":             nil,
	"traefik-gateway-rollout-ssh-grace-short": nil,
}

var notStatic = map[string]string{
	"traefik-gateway-rollout-ssh-grace-short": "graceTimeOut (5 s) is a deadline shorter than the sessions the traffic holds (25 s): a session's length is traffic, not manifest; the grace (90 s) covers the drain",
	"app-delete-http-noprestop":               "the application has no SIGTERM handler (a program's behaviour; its manifest differs from the good one only in the program's own flags)",
}

// TestCatalog renders every scenario of scenarios/catalog with placeholder
// values (as `drainproof lint` does) and checks lint flags exactly the
// mistakes its known-bad twins are made of. The files are read without the
// catalog's profile validation: lint judges manifests, whatever profiles the
// binary registers.
func TestCatalog(t *testing.T) {
	files, err := filepath.Glob("../scenarios/catalog/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no catalog: %v", err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var s scenarios.Scenario
		if err := yaml.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		s.Source = f
		seen[s.Name] = true
		t.Run(s.Name, func(t *testing.T) {
			want, ok := catalogWant[s.Name]
			if !ok {
				t.Fatalf("new scenario: say in catalogWant which rules lint must flag in it (none for a good one)")
			}
			if s.IsNegativeControl() && len(want) == 0 && notStatic[s.Name] == "" {
				t.Fatalf("a known-bad twin lint does not flag must say in notStatic why its mistake is not static")
			}
			objs := renderScenario(t, &s)
			got, err := Check(objs, Options{DefaultNamespace: "lint"})
			if err != nil {
				t.Fatal(err)
			}
			var rules []string
			for _, g := range got {
				if !slices.Contains(rules, g.Rule) {
					rules = append(rules, g.Rule)
				}
				checkComplete(t, g)
			}
			slices.Sort(rules)
			want = slices.Clone(want)
			slices.Sort(want)
			if !slices.Equal(rules, want) {
				var sb strings.Builder
				WriteText(&sb, got)
				t.Errorf("rules %v, want %v\n%s", rules, want, sb.String())
			}
		})
	}
	for n := range catalogWant {
		if !seen[n] {
			t.Errorf("catalogWant names %s, which is not in the catalog", n)
		}
	}
}

// renderScenario renders s's manifests into namespace "lint" with the run's
// namespace metadata as a Namespace object (Istio's injection label).
func renderScenario(t *testing.T, s *scenarios.Scenario) []Object {
	t.Helper()
	p, err := profile.Get(s.Profile)
	if err != nil {
		t.Fatal(err)
	}
	charts, err := profile.Charts(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	vals := scenarios.Values{Namespace: "lint", SSHSecret: "drainproof-ssh", Images: profile.Placeholders(p, s.Images...), Charts: charts}
	us, err := scenarios.Render(os.DirFS("../scenarios"), s, vals)
	if err != nil {
		t.Fatal(err)
	}
	ns := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "lint", "labels": toAny(s.Namespace.Labels)}}
	objs := []Object{{Raw: ns, Source: Source{File: s.Source}}}
	for i, u := range us {
		b, err := u.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		o, err := Read(s.Source, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		for j := range o {
			o[j].Source.Document = i + 1
		}
		objs = append(objs, o...)
	}
	return objs
}

func toAny(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}
