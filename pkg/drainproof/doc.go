// Package drainproof is drainproof's API for a Go program or an e2e suite of
// your own: load a scenario (from the built-in catalog or a file), Run it on
// a kind cluster — or on a cluster drainproof did not create, through its
// kubeconfig and a registry its nodes pull from (WithKubeconfig,
// WithRegistry) — and get its verdict and reports, or embed the catalog's
// good/known-bad pairs in a sigs.k8s.io/e2e-framework suite through Env.
//
// It is the one package meant for importing: the machinery it drives
// (probes, ledger, verdict, images, profiles, reports) lives under internal/.
// The types this package returns carry its results.
package drainproof
