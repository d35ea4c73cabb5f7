package drainproof

import (
	"context"
	"flag"
	"strings"
	"testing"
)

func TestRunRefusesWithoutOutBeforeAnyClusterWork(t *testing.T) {
	s, err := LoadScenario("gateway-rollout-ssh")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), s); err == nil || !strings.Contains(err.Error(), "WithOut") {
		t.Fatalf("Run without WithOut: %v", err)
	}
	e := NewEnv("t")
	if _, err := e.Run(context.Background(), s); err == nil || !strings.Contains(err.Error(), "Setup") {
		t.Fatalf("Env.Run before Setup: %v", err)
	}
}

func TestLoadScenarioNamesAnUnknownOne(t *testing.T) {
	if _, err := LoadScenario("no-such-scenario"); err == nil || !strings.Contains(err.Error(), "no-such-scenario") {
		t.Fatalf("unknown scenario: %v", err)
	}
}

// WithFlags: the flags' parsed values win over the options given.
func TestWithFlagsParsedValuesWin(t *testing.T) {
	fs := flag.NewFlagSet("suite", flag.ContinueOnError)
	e := NewEnv("t", WithCluster("from-option"), WithFlags(fs))
	if e.opts.cluster != "from-option" {
		t.Fatalf("default cluster %q", e.opts.cluster)
	}
	if err := fs.Parse([]string{"-cluster", "from-flag", "-air-gapped", "-reports", "r"}); err != nil {
		t.Fatal(err)
	}
	if e.opts.cluster != "from-flag" || !e.opts.airGapped || e.opts.out != "r" {
		t.Fatalf("after parse: %+v", e.opts)
	}
}

// WithProfileVersion with a registry that cannot be reached: Run returns a NOT RUN result
// naming both images, writes its reports and makes no cluster (it never gets that far).
func TestRunAtAnUnreachableReleaseIsNotRun(t *testing.T) {
	s, err := LoadScenario("istio-ssh-exit-on-zero")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	res, err := Run(context.Background(), s, WithOut(out), WithCluster("dp-ireg-never"),
		WithProfileVersion("istio", "1.26.3"), WithImageRegistry("127.0.0.1:1/istio"))
	if err != nil {
		t.Fatal(err)
	}
	why := strings.Join(res.Verdict.IncompleteReasons, "; ")
	if res.Verdict.Outcome != "NOT RUN" || !strings.Contains(why, "127.0.0.1:1/istio/pilot:1.26.3") || !strings.Contains(why, "127.0.0.1:1/istio/proxyv2:1.26.3") {
		t.Fatalf("outcome %s (%s); want NOT RUN naming pilot and proxyv2", res.Verdict.Outcome, why)
	}
	for _, bad := range []Option{WithProfileVersion("istio", "1.26"), WithProfileVersion("nosuch", "1.0.0"), WithImageRegistry("docker.io")} {
		if _, err := Run(context.Background(), s, WithOut(t.TempDir()), WithProfileVersion("istio", "1.26.3"), bad); err == nil {
			t.Error("a bad release option was accepted")
		}
	}
}
