package profile

import (
	"context"
	"errors"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
	"github.com/drainproof/drainproof/internal/profile/istio"
	"github.com/drainproof/drainproof/scenarios"
)

// istioProfile is Istio with sidecar injection: istiod (pilot-discovery)
// and pilot-agent built from the pinned istio.io/istio module, installed
// from the module's own charts; the proxy container's Envoy is the L4 Envoy
// stand-in (no Envoy binary can be had here), so every result is labelled
// as such and never counts as a pass on real Envoy.
type istioProfile struct {
	last lastBuild[istio.Built] // from Images; Install needs the refs and the module's charts
}

func init() { register(&istioProfile{}) }

func (*istioProfile) Name() string         { return "istio" }
func (*istioProfile) ImageNames() []string { return []string{"istiod", "istio-proxy"} }

func (p *istioProfile) Images(ctx context.Context, o image.Options) (map[string]*image.Built, error) {
	b, err := istio.Build(ctx, istio.Options{Log: o.Log, SourceDir: o.SourceDir, Suite: o.Suite})
	if err != nil {
		return nil, err
	}
	if b.Proxy == nil {
		return nil, errors.New("istio: no istio-proxy image was built")
	}
	p.last.set(b)
	return tableOf(istioImages(b)), nil
}

func istioImages(b *istio.Built) map[string]*imgbuild.Archived {
	return map[string]*imgbuild.Archived{"istiod": b.Istiod, "istio-proxy": b.Proxy}
}

func (p *istioProfile) Install(ctx context.Context, cfg *rest.Config, images map[string]string, pull corev1.PullPolicy, log io.Writer) error {
	b, err := p.last.forInstall("istio", images, istioImages)
	if err != nil {
		return err
	}
	return istio.Install(ctx, cfg, b.OnCluster(pull, images["istiod"], images["istio-proxy"]), log)
}

// Charts offers Istio's own gateway chart (from the pinned module) to scenarios.
func (p *istioProfile) Charts(ctx context.Context) (map[string]scenarios.Chart, error) {
	b := p.last.get()
	dir := ""
	if b != nil {
		dir = b.ModuleDir
	}
	if dir == "" {
		var err error
		if dir, err = istio.ModuleDir(ctx); err != nil {
			return nil, err
		}
	}
	return map[string]scenarios.Chart{istio.GatewayChartName: istio.GatewayChart(&istio.Built{ModuleDir: dir})}, nil
}

// Preflight: the istio-proxy image carries the L4 Envoy stand-in, built from its source here.
func (*istioProfile) Preflight(_ context.Context, o image.Options) []Missing {
	return standInPreflight(o, "istio-proxy", istio.ProxyRepo+" (built here)")
}

// AtRelease is registry mode: the release's own images (see istioRelease).
func (*istioProfile) AtRelease(version, hub string) Profile {
	return &istioRelease{rel: istio.Release{Version: version, Hub: hub}}
}

func (*istioProfile) DefaultHub() string { return istio.DefaultHub }

func (*istioProfile) DataPlane() DataPlane {
	return DataPlane{Proxy: istio.DataPlaneStandIn + " behind real pilot-agent and istiod", StandIn: true,
		Version: "Istio " + istio.Line + " line, " + istio.Module + " " + istio.Version + " (not an approved release: the only Istio module served here)"}
}
