package gateways

import (
	"context"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/image/traefik"
	"github.com/drainproof/drainproof/internal/reports"
)

// TraefikRepo is the traefik image's repository (tags: <suite>-<content key>).
const TraefikRepo = "drainproof/traefik"

func init() {
	register(Gateway{
		Name: "traefik",
		DataPlane: reports.DataPlane{Proxy: "traefik (TCP router)",
			Version: "traefik " + traefik.Version + ", built from the module " + traefik.Module},
		Image: traefikImage,
	})
}

// traefikImage is the gateway image plus /usr/local/bin/traefik built from the pinned module.
func traefikImage(ctx context.Context, o image.Options) (*image.Built, error) {
	bin, err := traefik.Build(ctx, traefik.Options{Log: o.Log})
	if err != nil {
		return nil, err
	}
	b, err := image.OnGateway(ctx, o, TraefikRepo, bin.Key, map[string]string{"/usr/local/bin/traefik": bin.Path})
	if err != nil {
		return nil, err
	}
	b.Timings = append(bin.Timings, b.Timings...)
	b.Cached = b.Cached && bin.Cached
	return b, nil
}
