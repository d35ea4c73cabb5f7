//go:build e2e

package manifests

import (
	"testing"

	"github.com/drainproof/drainproof/suites/internal/suite"
)

// One test per scenario pair: the good scenario and each of its known-bad twins.

func TestGatewayRolloutSSH(t *testing.T) {
	testenv.Test(t, suite.Pair(denv, "gateway-rollout-ssh"))
}

func TestSidecarOutboundNative(t *testing.T) {
	testenv.Test(t, suite.Pair(denv, "sidecar-outbound-native"))
}

func TestSidecarOutboundPrestop(t *testing.T) {
	testenv.Test(t, suite.Pair(denv, "sidecar-outbound-prestop"))
}

func TestAppDeleteHTTP(t *testing.T) {
	testenv.Test(t, suite.Pair(denv, "app-delete-http"))
}

func TestNginxGatewayRolloutSSH(t *testing.T) {
	testenv.Test(t, suite.Pair(denv, "nginx-gateway-rollout-ssh"))
}
