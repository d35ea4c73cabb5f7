package profile

import (
	"context"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
	"github.com/drainproof/drainproof/internal/profile/envoygateway"
)

// envoyGatewayProfile is Envoy Gateway: the real controller (and its certgen and shutdown
// manager) built from the pinned github.com/envoyproxy/gateway module and installed from the
// module's own chart; the proxy pods the controller creates run the L4 Envoy stand-in as envoy
// (no Envoy binary can be had here), so every result is labelled as such.
type envoyGatewayProfile struct {
	last lastBuild[envoygateway.Built]
}

func init() { register(&envoyGatewayProfile{}) }

func (*envoyGatewayProfile) Name() string { return "envoy-gateway" }
func (*envoyGatewayProfile) ImageNames() []string {
	return []string{"envoy-gateway", "envoy-gateway-proxy"}
}

func (p *envoyGatewayProfile) Images(ctx context.Context, o image.Options) (map[string]*image.Built, error) {
	b, err := envoygateway.Build(ctx, envoygateway.Options{Log: o.Log, SourceDir: o.SourceDir})
	if err != nil {
		return nil, err
	}
	p.last.set(b)
	return tableOf(envoyGatewayImages(b)), nil
}

func envoyGatewayImages(b *envoygateway.Built) map[string]*imgbuild.Archived {
	return map[string]*imgbuild.Archived{"envoy-gateway": b.ControlPlane, "envoy-gateway-proxy": b.Proxy}
}

func (p *envoyGatewayProfile) Install(ctx context.Context, cfg *rest.Config, images map[string]string, pull corev1.PullPolicy, log io.Writer) error {
	b, err := p.last.forInstall("envoy-gateway", images, envoyGatewayImages)
	if err != nil {
		return err
	}
	return envoygateway.Install(ctx, cfg, b.OnCluster(pull, images["envoy-gateway"], images["envoy-gateway-proxy"]), log)
}

func (*envoyGatewayProfile) DataPlane() DataPlane {
	return DataPlane{Proxy: envoygateway.DataPlaneStandIn + " behind the real Envoy Gateway controller and shutdown manager", StandIn: true,
		Version: "Envoy Gateway " + envoygateway.Version + " (" + envoygateway.Module + ")", NotCarried: envoygateway.NotCarried}
}

// Preflight: the envoy-gateway-proxy image carries the L4 Envoy stand-in, built from its source here.
func (*envoyGatewayProfile) Preflight(_ context.Context, o image.Options) []Missing {
	return standInPreflight(o, "envoy-gateway-proxy", "envoy-gateway-proxy (built here)")
}
