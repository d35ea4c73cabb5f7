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
