//go:build e2e

// Package manifests is the e2e suite of the "manifests" profile family:
// gateways and sidecars given as plain Kubernetes manifests (haproxy here),
// on a real kind cluster.
//
//	go test -tags e2e ./suites/manifests -args -labels suite=smoke
package manifests

import (
	"fmt"
	"os"
	"testing"

	"sigs.k8s.io/e2e-framework/pkg/env"
	"sigs.k8s.io/e2e-framework/pkg/envconf"

	"github.com/drainproof/drainproof/suites/internal/suite"
)

var (
	testenv env.Environment
	denv    = suite.NewEnv("manifests")
)

func TestMain(m *testing.M) {
	cfg, err := envconf.NewFromFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	testenv = env.NewWithConfig(cfg)
	testenv.Setup(denv.Setup)
	code := testenv.Run(m)
	if err := denv.Finish(code != 0); err != nil {
		fmt.Fprintf(os.Stderr, "suite teardown: %v\n", err)
		code = 1
	}
	os.Exit(code)
}
