//go:build e2e

package cluster

// Built with -tags e2e (the kind suites' tag), the e2e tests run without DRAINPROOF_E2E=1.
func init() { e2eTag = true }
