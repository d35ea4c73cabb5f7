package drainproof_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"sigs.k8s.io/e2e-framework/pkg/env"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/drainproof/drainproof/pkg/drainproof"
)

// An e2e-framework suite of your own embeds drainproof's scenario pairs (or
// your own scenario files) beside its other features: Env's Setup brings up
// the kind cluster, each Pair is a feature, Finish writes the suite's
// reports. This is the whole of suites/catalog's TestMain.
func Example() {
	denv := drainproof.NewEnv("my-suite", drainproof.WithCluster("my-e2e"), drainproof.WithAirGapped(true),
		drainproof.WithOut("_out/drainproof"))
	testenv := env.NewWithConfig(envconf.New())
	testenv.Setup(denv.Setup)

	// In TestMain: code := testenv.Run(m); err := denv.Finish(code != 0).
	// In a test function:
	testPairs := func(t *testing.T) {
		testenv.Test(t, denv.Pair("gateway-rollout-ssh"))
		// a scenario file of your own, as a feature of your suite
		testenv.Test(t, features.New("my scenario").
			Assess("drains cleanly", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
				s, err := drainproof.LoadScenario("testdata/my-scenario.yaml")
				if err != nil {
					t.Fatal(err)
				}
				res, err := denv.Run(ctx, s)
				if err != nil || !res.Verdict.Outcome.OK() {
					t.Fatalf("%s: %v %v", s.Name, res.Verdict.Outcome, err)
				}
				return ctx
			}).Feature())
	}
	_ = testPairs
}

// Run alone, outside a test framework: the cluster is created when missing
// and kept for the next run.
func ExampleRun() {
	s, err := drainproof.LoadScenario("gateway-rollout-ssh")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	res, err := drainproof.Run(context.Background(), s, drainproof.WithCluster("drainproof"),
		drainproof.WithOut("_out/gateway-rollout-ssh"), drainproof.WithLog(os.Stderr))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	if res != nil {
		fmt.Println(res.Verdict.Outcome)
	}
}

func ExampleLoadScenario() {
	s, err := drainproof.LoadScenario("gateway-rollout-ssh-nodrain")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Name, "controls", s.NegativeControlOf)
	// Output: gateway-rollout-ssh-nodrain controls [gateway-rollout-ssh]
}
