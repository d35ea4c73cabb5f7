// Package istio is drainproof's Istio profile: it builds istiod, pilot-agent and istioctl from
// the pinned Istio Go module, makes the air-gapped istiod and istio-proxy images from them, and
// installs Istio into a cluster from the module's own Helm charts with the Helm Go SDK.
//
// Which Istio: istio.io/istio is served by the module proxy only as pseudo-versions ("served
// from an earlier copy, not an approved release": there is no other Istio module). The pin is
// Version below, the Istio 1.31 line (the module's VERSION file says 1.31; Build checks it).
// The 1.30 line (v0.0.0-20260826214018-9739e10eb9d7) was the first choice, but its go.mod
// requires istio.io/api, istio.io/client-go, go-control-plane/{envoy,contrib} and
// agentgateway/api pseudo-versions that the proxy refuses (403), and agentgateway/api has no
// served version to replace it with; the 1.31 line's requirements are all served, so it builds
// with no replace directive, exactly as Istio's go.mod says.
//
// Istio never enters drainproof's go.mod (it would drag controller-runtime, apiserver and
// apiextensions to mixed Kubernetes minors): its programs build through a wrapper module
// (internal/image/gobuild), with Istio's own build tags and CGO_ENABLED=0.
//
// Data plane: no Envoy binary can be had here, so the istio-proxy image carries drainproof's L4
// Envoy stand-in (./fixtures/envoy-standin) at /usr/local/bin/envoy behind the real pilot-agent.
// Its image config says so (label DataPlaneLabel = DataPlaneStandIn), and reports read it from
// there: such runs are never results on real Envoy.
//
// Cache layout under <DRAINPROOF_CACHE or ~/.cache/drainproof>/istio: src/istio (the wrapper
// module), bin/<tool>-<key>/ (binaries), rootfs/ (the proxy image's Debian tree), layers/,
// archives/<image>-<key>.tar (+ .stamp), .lock (one build at a time).
package istio
