//go:build e2e

package catalog

import "testing"

// TestPairs runs every good scenario of the catalog with each of its
// known-bad twins, one subtest per pair; -labels selects pairs by their
// scenarios' labels (profile=istio, suite=smoke, gateway=haproxy, ...).
func TestPairs(t *testing.T) {
	for _, f := range denv.Pairs() {
		t.Run(f.Name(), func(t *testing.T) { testenv.Test(t, f) })
	}
}
