package profile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/drainproof/drainproof/lint"
)

// Every lint case (lint/testdata: the common mistakes' configurations and the good
// ones) gives the same findings — rule, object, container, the field paths
// both values are named by — when its
// uninjected Istio workloads are first rendered by the real offline
// injection: what lint infers from annotations is what Istio's injector
// makes of them. Skipped, saying so, on a cold cache (the Istio profile
// builds istioctl; this test does not).
func TestLintCasesThroughIstioInjection(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	inj, err := CachedIstioInjection(ctx)
	if errors.Is(err, ErrIstioctlNotBuilt) {
		t.Skipf("cold cache: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	inputs, err := filepath.Glob("../../lint/testdata/*/*.yaml")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no lint cases: %v", err)
	}
	injectedCases := 0
	for _, in := range inputs {
		if strings.HasSuffix(in, ".want.yaml") {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(in, "../../lint/testdata/"), ".yaml")
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			objs, err := lint.Read(in, f)
			if err != nil {
				t.Fatal(err)
			}
			objs, n, err := lint.InjectIstio(ctx, objs, inj, lint.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				injectedCases++
			}
			found, err := lint.Check(objs, lint.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range found {
				vs := ""
				if f.Versus != nil {
					vs = f.Versus.Path
				}
				got = append(got, f.Rule+" "+f.Object.String()+" "+f.Container+" "+f.Field.Path+" vs "+vs)
				if n > 0 && f.Container == "istio-proxy" && f.RenderedBy == "" {
					t.Errorf("finding on an injected workload does not say so: %+v", f)
				}
			}
			b, err := os.ReadFile(strings.TrimSuffix(in, ".yaml") + ".want.yaml")
			if err != nil {
				t.Fatal(err)
			}
			var want struct {
				Findings []struct{ Rule, Object, Container, Field, Versus string } `json:"findings"`
			}
			if err := yaml.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			var wants []string
			for _, w := range want.Findings {
				wants = append(wants, w.Rule+" "+w.Object+" "+w.Container+" "+w.Field+" vs "+w.Versus)
			}
			slices.Sort(got)
			slices.Sort(wants)
			if !slices.Equal(got, wants) {
				var sb strings.Builder
				_ = lint.WriteText(&sb, found)
				t.Errorf("injected %d workload(s); findings %q, want %q\n%s", n, got, wants, sb.String())
			}
		})
	}
	if injectedCases == 0 {
		t.Fatal("no case had a workload to inject")
	}
}
