package profile

import (
	"context"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/image/standin"
	"github.com/drainproof/drainproof/internal/profile/envoy"
)

// glooProfile is gloo's gateway-proxy as its Helm chart shapes it (labels,
// admin on 19000, gracefulShutdown's healthcheck/fail + fixed sleep preStop),
// written as the scenario's manifests: gloo-shaped manifests, not an install
// of gloo (neither its modules nor its chart can be had here). The image is
// gloo's envoy wrapper with a registry, here the L4 Envoy stand-in.
type glooProfile struct{}

func init() { register(glooProfile{}) }

// GlooImage is the image name gloo-shaped manifests use for gateway-proxy,
// and GlooUpstream the image gloo's chart runs there (its tag is gloo's
// release; not run here).
const (
	GlooImage    = "gloo-envoy-wrapper"
	GlooUpstream = "quay.io/solo-io/gloo-envoy-wrapper"
)

func (glooProfile) Name() string         { return "gloo" }
func (glooProfile) ImageNames() []string { return []string{GlooImage} }

func (glooProfile) Images(ctx context.Context, o image.Options) (map[string]*image.Built, error) {
	return envoyImage(ctx, o, GlooImage)
}

func (glooProfile) Install(_ context.Context, _ *rest.Config, images map[string]string, _ corev1.PullPolicy, _ io.Writer) error {
	return needImage(images, GlooImage)
}

func (glooProfile) DataPlane() DataPlane {
	return DataPlane{Proxy: standin.DataPlane + " as gloo's gateway-proxy (gloo-shaped manifests, not an install of gloo)", StandIn: true,
		Version: envoy.StandInFor(GlooUpstream) + "; gateway-proxy shaped after gloo's Helm chart (install/helm/gloo)"}
}

// Preflight: the image is the L4 Envoy stand-in's, built from its source here.
func (glooProfile) Preflight(_ context.Context, o image.Options) []Missing {
	return standInPreflight(o, GlooImage, GlooImage+" (built here)")
}
