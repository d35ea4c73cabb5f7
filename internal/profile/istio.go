package profile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"k8s.io/client-go/rest"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/profile/istio"
	"github.com/drainproof/drainproof/scenarios"
)

// istioProfile is Istio with sidecar injection: istiod (pilot-discovery)
// and pilot-agent built from the pinned istio.io/istio module, installed
// from the module's own charts; the proxy container's Envoy is the L4 Envoy
// stand-in (no Envoy binary can be had here), so every result is labelled
// as such and never counts as a pass on real Envoy.
type istioProfile struct {
	mu    sync.Mutex
	built *istio.Built // from Images; Install needs the refs and the module's charts
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
	p.mu.Lock()
	p.built = b
	p.mu.Unlock()
	return map[string]*image.Built{
		"istiod":      {Ref: b.Istiod.Ref, Archive: b.Istiod.Archive, Cached: b.Istiod.Cached},
		"istio-proxy": {Ref: b.Proxy.Ref, Archive: b.Proxy.Archive, Cached: b.Proxy.Cached},
	}, nil
}

func (p *istioProfile) Install(ctx context.Context, cfg *rest.Config, images map[string]string, log io.Writer) error {
	p.mu.Lock()
	b := p.built
	p.mu.Unlock()
	if b == nil {
		return fmt.Errorf("istio: Install before Images")
	}
	if images["istiod"] != b.Istiod.Ref || images["istio-proxy"] != b.Proxy.Ref {
		return fmt.Errorf("istio: image table %v differs from the built images", images)
	}
	return istio.Install(ctx, cfg, b, log)
}

// Charts offers Istio's own gateway chart (from the pinned module) to scenarios.
func (p *istioProfile) Charts(ctx context.Context) (map[string]scenarios.Chart, error) {
	p.mu.Lock()
	b := p.built
	p.mu.Unlock()
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
	return map[string]scenarios.Chart{istio.GatewayChartName: istio.GatewayChart(dir)}, nil
}

func (*istioProfile) DataPlane() DataPlane {
	return DataPlane{Proxy: istio.DataPlaneStandIn + " behind real pilot-agent and istiod", StandIn: true,
		Version: "Istio " + istio.Line + " line, " + istio.Module + " " + istio.Version + " (not an approved release: the only Istio module served here)"}
}
