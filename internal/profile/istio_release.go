package profile

import (
	"context"
	"fmt"
	"io"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/profile/istio"
	"github.com/drainproof/drainproof/scenarios"
)

// istioRelease is the istio profile in registry mode: the image table names an upstream
// release's own chart images (<hub>/pilot:<version>, <hub>/proxyv2:<version>: real istiod,
// real pilot-agent and real Envoy), nothing is built or loaded (the nodes pull them), and the
// install renders the pinned module's charts with those images. The charts are the module's
// (the istio.Line line), not the release's.
type istioRelease struct {
	rel istio.Release

	once  sync.Mutex
	built *istio.Built // the release's refs and the module's charts, found once
}

func (p *istioRelease) Name() string         { return "istio" }
func (p *istioRelease) ImageNames() []string { return []string{"istiod", "istio-proxy"} }
func (p *istioRelease) Release() string      { return p.rel.Version }
func (p *istioRelease) Hub() string {
	if p.rel.Hub == "" {
		return istio.DefaultHub
	}
	return p.rel.Hub
}

func (p *istioRelease) get(ctx context.Context) (*istio.Built, error) {
	p.once.Lock()
	defer p.once.Unlock()
	if p.built != nil {
		return p.built, nil
	}
	b, err := p.rel.Built(ctx)
	if err != nil {
		return nil, err
	}
	p.built = b
	return b, nil
}

// Images are the release's refs, with no archive: nothing to build or load.
func (p *istioRelease) Images(context.Context, image.Options) (map[string]*image.Built, error) {
	out := map[string]*image.Built{}
	for n, ref := range p.rel.Images() {
		out[n] = &image.Built{Ref: ref}
	}
	return out, nil
}

func (p *istioRelease) Install(ctx context.Context, cfg *rest.Config, images map[string]string, pull corev1.PullPolicy, log io.Writer) error {
	for n, ref := range p.rel.Images() {
		if images[n] != ref {
			return fmt.Errorf("istio %s: image table names %s=%q, the release's is %q", p.rel.Version, n, images[n], ref)
		}
	}
	b, err := p.get(ctx)
	if err != nil {
		return err
	}
	return istio.Install(ctx, cfg, b.OnCluster(pull, "", ""), log)
}

// Charts: Istio's gateway chart from the pinned module, its proxy pulled (the release's proxyv2).
func (p *istioRelease) Charts(ctx context.Context) (map[string]scenarios.Chart, error) {
	b, err := p.get(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]scenarios.Chart{istio.GatewayChartName: istio.GatewayChart(b)}, nil
}

// Preflight: each of the release's images must resolve in its registry.
func (p *istioRelease) Preflight(ctx context.Context, _ image.Options) []Missing {
	return p.rel.Unreachable(ctx)
}

func (p *istioRelease) DataPlane() DataPlane {
	return DataPlane{Proxy: "Envoy (Istio proxyv2 " + p.rel.Version + ") behind real pilot-agent and istiod",
		Version: "Istio " + p.rel.Version + " images (" + p.rel.Pilot() + ", " + p.rel.ProxyV2() + "); charts from " +
			istio.Module + " " + istio.Version + " (the Istio " + istio.Line + " line), not from release " + p.rel.Version}
}
