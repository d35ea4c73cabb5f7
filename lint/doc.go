// Package lint finds, without a cluster, the drain misconfigurations users
// actually make in Kubernetes workloads: a terminationGracePeriodSeconds
// shorter than the drain it must cover (Istio's terminationDrainDuration,
// TERMINATION_DRAIN_DURATION_SECONDS, Envoy's --drain-time-s, a preStop's own
// sleep or deadline), EXIT_ON_ZERO_ACTIVE_CONNECTIONS capped by the grace,
// fixed-sleep preStops that linger, classic sidecars that stop with the
// application, and long-lived TCP listeners whose proxy does not drain.
//
// Read decodes manifests (multi-document YAML, JSON, v1 List, Helm output);
// Check runs every rule over them. Each Finding names the object, the
// container, the field path and value at fault, the value it conflicts with,
// and the fix. Rules are pure functions of the objects given: the same
// manifests always give the same findings, in the same order.
//
// Invariant: a rule reports only what the manifests show. Where a rule
// guesses (it cannot see what an application does at shutdown) its findings
// say so (Finding.Heuristic).
package lint
