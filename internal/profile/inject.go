package profile

import (
	"context"
	"errors"

	"github.com/drainproof/drainproof/internal/profile/istio"
)

// IstioInjection is the istio profile's sidecar injection, offline:
// `istioctl kube-inject -r default` with the mesh config, injection template
// and values its istiod chart renders (what the profile's istiod injects).
// It satisfies lint.Injector.
type IstioInjection struct{ in *istio.Injection }

// ErrIstioctlNotBuilt: the cache holds no istioctl (the Istio profile builds
// it; offline injection never does).
var ErrIstioctlNotBuilt = istio.ErrIstioctlNotBuilt

// CachedIstioInjection returns the injection from what the Istio profile's
// build left in the cache; an error wrapping ErrIstioctlNotBuilt when it is
// cold. It builds and downloads nothing.
func CachedIstioInjection(ctx context.Context) (*IstioInjection, error) {
	in, err := istio.CachedInjection(ctx, "")
	if err != nil {
		return nil, err
	}
	return &IstioInjection{in: in}, nil
}

// Inject renders the injected form of manifests (see lint.Injector).
func (i *IstioInjection) Inject(ctx context.Context, manifests []byte, meshDefaults, injectorValues map[string]any) ([]byte, error) {
	if i == nil || i.in == nil {
		return nil, errors.New("istio injection: not set up")
	}
	return i.in.Inject(ctx, manifests, meshDefaults, injectorValues)
}

func (i *IstioInjection) String() string {
	return "istioctl kube-inject (Istio " + istio.Line + " line, " + istio.Module + " " + istio.Version + ")"
}
