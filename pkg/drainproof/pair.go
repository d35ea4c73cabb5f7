package drainproof

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/drainproof/drainproof/internal/verdict"
)

// Pairs are the features of every good scenario of the catalog (each with its
// known-bad twins), in name order: the suite's tests are generated from the
// catalog, and -labels selects among them by the scenarios' labels.
func (e *Env) Pairs() []features.Feature {
	var out []features.Feature
	for _, name := range e.Catalog.Names() {
		if s, _ := e.Catalog.Get(name); !s.IsNegativeControl() {
			out = append(out, e.Pair(name))
		}
	}
	return out
}

// Pair is the feature for a good scenario and each of its known-bad twins:
// the good one must pass; each twin must fail in the way it says it must
// (its verdict's negative control holds: drops attributed to the right pods).
func (env *Env) Pair(good string) features.Feature {
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
		sc, err := resolve(env.Catalog, name)
		if err != nil {
			t.Fatal(err)
		}
		s := sc.Scenario
		out := filepath.Join(env.Reports, name)
		res, err := env.Run(ctx, sc, WithOut(out), WithLog(testLog{t}))
		if err != nil {
			t.Fatalf("%s: %v (reports in %s)", name, err, out)
		}
		v := res.Verdict
		if v.Outcome == verdict.NotRun {
			// What it needs cannot be had here: reported NOT RUN (in its reports and the
			// suite's qualification), never a pass; the test is skipped with the reason.
			t.Skipf("%s: %s: %s (reports in %s)", name, v.Outcome, strings.Join(v.IncompleteReasons, "; "), out)
		}
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
		for _, p := range res.ProbesNotRun {
			t.Logf("%s: %s", name, p)
		}
		return ctx
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Logf("%s", p)
	return len(p), nil
}
