package profile

import (
	"context"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	"github.com/drainproof/drainproof/internal/image"
)

// manifests is any gateway given as plain Kubernetes YAML (haproxy, nginx):
// the scenario's own manifests carry everything, so there is nothing to
// install and no image beyond the base ones.
type manifests struct{}

func init() { register(manifests{}) }

func (manifests) Name() string         { return "manifests" }
func (manifests) ImageNames() []string { return nil }
func (manifests) Images(context.Context, image.Options) (map[string]*image.Built, error) {
	return nil, nil
}
func (manifests) Install(context.Context, *rest.Config, map[string]string, corev1.PullPolicy, io.Writer) error {
	return nil
}
func (manifests) DataPlane() DataPlane {
	return DataPlane{Proxy: "as given by the scenario's manifests (haproxy, nginx)"}
}
