package envoygateway

import "strings"

// The pinned Envoy Gateway module: the newest version the module proxy serves.
const (
	Module  = "github.com/envoyproxy/gateway"
	Version = "v1.9.1"
	// binaryPkg is the one main package: control plane, certgen, shutdown manager.
	binaryPkg = Module + "/cmd/envoy-gateway"
	// Binary is its file name, what the chart's and the controller's containers run.
	Binary = "envoy-gateway"
)

// chartDir is the controller's chart inside the module (read from the Go module cache).
const chartDir = "charts/gateway-helm"

// ldflags stamps the version as Envoy Gateway's tools/make/golang.mk does (`envoy-gateway
// version` prints it); -s -w as every binary here.
func ldflags() string {
	f := []string{"-s", "-w"}
	for _, kv := range []string{"envoyGatewayVersion=" + Version, "gitCommitID=" + Version} {
		f = append(f, "-X", Module+"/internal/cmd/version."+kv)
	}
	return strings.Join(f, " ")
}
