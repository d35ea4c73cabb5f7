// Package envoygateway is drainproof's Envoy Gateway profile: it builds the one envoy-gateway
// binary (control plane, certgen, `envoy shutdown-manager`, `envoy shutdown`) from the pinned
// github.com/envoyproxy/gateway module through a wrapper module (internal/image/gobuild), makes
// the air-gapped control-plane image and the proxy image from it, and installs Envoy Gateway from
// the module's own chart (charts/gateway-helm, whose crds subchart carries Envoy Gateway's CRDs
// and Gateway API's experimental ones, TCPRoute among them) with the Helm v4 SDK.
//
// Which Envoy Gateway: Version below, the newest the module proxy serves (v1.2.4–v1.9.1 are
// served; v1.9.1 needs go ≥ 1.26.7 and builds with go 1.26.8 and no replace directive).
//
// Deploy mode: GatewayNamespace. The controller creates each Gateway's proxy Deployment and
// Service in the Gateway's own namespace, named as the Gateway — the run's namespace, where the
// harness watches pods and rolls Deployments. In that mode the proxies authenticate to the xDS
// server with their service account token (a credential injector on the xds_cluster) over TLS
// verified against the CA in the gateway namespace's ConfigMap, not with a client certificate.
//
// Data plane: no Envoy binary can be had here, so the proxy image ("envoy-gateway-proxy") carries
// drainproof's L4 Envoy stand-in (./fixtures/envoy-standin) as `envoy` on PATH; the controller
// runs it with Envoy Gateway's real bootstrap and xDS, beside the real shutdown manager. The image
// config says so (label DataPlaneLabel = DataPlaneStandIn) and every report does: such runs are
// never results on real Envoy.
//
// Cache layout under <DRAINPROOF_CACHE or ~/.cache/drainproof>/envoy-gateway: src/envoy-gateway
// (the wrapper module), bin/<tool>-<key>/, archives/<image>-<key>.tar (+ .stamp), .lock.
package envoygateway
