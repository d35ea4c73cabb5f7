package kube

// HarnessLabel marks pods the harness runs itself in a run's namespace (the
// in-cluster probers, value "prober"). They are never a subject of the run:
// the watch does not record them (their IPs must not attribute connections
// to them), drain facts leave them out, no scenario target selects them
// (scenario selectors never name this key) and drain-node does not evict
// them.
const HarnessLabel = "drainproof.dev/harness"

// IsHarness reports whether a pod with these labels is the harness's own.
func IsHarness(labels map[string]string) bool { return labels[HarnessLabel] != "" }
