package profile

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/image/standin"
	"github.com/drainproof/drainproof/internal/profile/envoy"
)

// envoyProfile is plain Envoy from a static bootstrap, given by the
// scenario's manifests ({{ image "envoy" }}): no control plane to install.
// The image is envoyproxy/envoy with a registry; here it is the L4 Envoy
// stand-in (internal/profile/envoy), so every result is labelled as such and
// never counts as a pass on real Envoy.
type envoyProfile struct{}

func init() { register(envoyProfile{}) }

func (envoyProfile) Name() string         { return "envoy" }
func (envoyProfile) ImageNames() []string { return []string{"envoy"} }

func (envoyProfile) Images(ctx context.Context, o image.Options) (map[string]*image.Built, error) {
	return envoyImage(ctx, o, "envoy")
}

func (envoyProfile) Install(_ context.Context, _ *rest.Config, images map[string]string, _ corev1.PullPolicy, _ io.Writer) error {
	return needImage(images, "envoy")
}

func (envoyProfile) DataPlane() DataPlane {
	return DataPlane{Proxy: standin.DataPlane + " as Envoy from a static bootstrap", StandIn: true, Version: envoy.StandInFor(envoy.Upstream)}
}

// envoyImage builds the stand-in Envoy image and names it as the profile's
// manifests do.
func envoyImage(ctx context.Context, o image.Options, name string) (map[string]*image.Built, error) {
	img, err := envoy.Build(ctx, envoy.Options{SourceDir: o.SourceDir, Suite: o.Suite, Log: o.Log})
	if err != nil {
		return nil, err
	}
	return map[string]*image.Built{name: {Ref: img.Ref, Archive: img.Archive, Cached: img.Cached, Timings: img.Timings}}, nil
}

// needImage fails unless the run's image table names image.
func needImage(images map[string]string, name string) error {
	if images[name] == "" {
		return fmt.Errorf("image table has no %q image", name)
	}
	return nil
}

// Preflight: the image is the L4 Envoy stand-in's, built from its source here.
func (envoyProfile) Preflight(_ context.Context, o image.Options) []Missing {
	return standInPreflight(o, "envoy", "envoy (built here)")
}
