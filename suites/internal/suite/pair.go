// Package suite is what every drainproof e2e suite shares: a scenario pair
// (a good scenario and its known-bad twins) as an e2e-framework feature, run
// through the run engine against the suite's cluster, with reports written
// per scenario.
package suite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/drainproof/drainproof/harness/run"
	"github.com/drainproof/drainproof/reports"
)

// Pairs are the features of every good scenario of the catalog (each with its
// known-bad twins), in name order: the suite's tests are generated from the
// catalog, and -labels selects among them by the scenarios' labels.
func Pairs(env *Env) []features.Feature {
	var out []features.Feature
	for _, name := range env.Catalog.Names() {
		if s, _ := env.Catalog.Get(name); !s.IsNegativeControl() {
			out = append(out, Pair(env, name))
		}
	}
	return out
}

// Pair is the feature for a good scenario and each of its known-bad twins:
// the good one must pass; each twin must fail in the way it says it must
// (its verdict's negative control holds: drops attributed to the right pods).
func Pair(env *Env, good string) features.Feature {
	s, ok := env.Catalog.Get(good)
	if !ok {
		panic("suite: no scenario " + good) // a typo in a suite file; caught by the first run
	}
	b := features.New(good)
	for k, v := range s.Labels {
		b = b.WithLabel(k, v)
	}
	b = b.Assess(good+" drains cleanly", assess(env, good))
	for _, twin := range s.Twins {
		b = b.Assess(twin+" (known-bad twin) fails, attributed", assess(env, twin))
	}
	return b.Feature()
}

func assess(env *Env, name string) features.Func {
	return func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
		t.Helper()
		s, files, err := env.Catalog.Resolve(name)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(env.Reports, name)
		if err := os.RemoveAll(out); err != nil {
			t.Fatal(err)
		}
		ready, err := env.EnsureProfile(ctx, s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		res, err := run.Run(ctx, run.Options{
			Scenario: s, Files: files, Config: env.Cluster.RESTConfig(),
			Images: ready.Images, Charts: ready.Charts, NodeImage: env.Images.Node, OutDir: out, Log: testLog{t},
		})
		if res != nil {
			if werr := reports.WriteRun(out, env.Meta(s, ready.DataPlane, res), s.Expect, res.Verdict, res.Events); werr != nil {
				t.Errorf("write reports: %v", werr)
			}
			env.Record(s, ready.DataPlane, res)
		}
		if err != nil {
			t.Fatalf("%s: %v (reports in %s)", name, err, out)
		}
		v := res.Verdict
		if !v.Succeeded() {
			if s.IsNegativeControl() {
				msg := "verdict passed"
				if v.Control != nil {
					msg = v.Control.Message
				}
				t.Fatalf("%s is a known-bad twin and must fail as it says: %s (reports in %s)", name, msg, out)
			}
			for _, f := range v.Findings {
				if !f.Pass {
					t.Errorf("%s: %s: %s", name, f.Check, f.Message)
				}
			}
			t.Fatalf("%s failed its verdict (reports in %s)", name, out)
		}
		t.Logf("%s: %s in %s: %d connections, %d drops (reports in %s)", name, res.Verdict.Outcome, res.Finished.Sub(res.Started).Round(time.Second), v.Connections, v.Drops, out)
		return ctx
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Logf("%s", p)
	return len(p), nil
}
