// Package gobuild builds programs of third-party Go modules through throw-away wrapper modules,
// into a cache keyed by everything that decides the output (module graph, packages, build tags,
// linker flags, Go version). The air-gapped Kubernetes build (internal/image/airgap) and the
// Istio profile (internal/profile/istio) both build this way.
//
// Cache layout under a caller's directory: src/<name>/ (the wrapper module, tidied once per
// inputs change), bin/<name>-<key>/ (the binaries, with a .stamp holding key).
package gobuild
