//go:build e2e

// Package catalog is the e2e suite of the whole catalog: every scenario pair,
// whatever its profile (plain manifests, istio, ...), on one real kind
// cluster; each profile is installed on the cluster the first time a selected
// scenario needs it.
//
//	go test -tags e2e ./suites/catalog -args -labels suite=smoke
//	go test -tags e2e ./suites/catalog -args -labels profile=istio
package catalog

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"sigs.k8s.io/e2e-framework/pkg/env"
	"sigs.k8s.io/e2e-framework/pkg/envconf"

	"github.com/drainproof/drainproof/pkg/drainproof"
)

var (
	testenv env.Environment
	denv    = drainproof.NewEnv("catalog", drainproof.WithCluster("drainproof-e2e"), drainproof.WithAirGapped(true),
		drainproof.WithFlags(flag.CommandLine))
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
