package istio

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// DefaultHub is where Istio publishes its release images (the charts' global.hub for releases).
const DefaultHub = "docker.io/istio"

// Release is registry mode: an upstream Istio release whose own images (the chart's pilot and
// proxyv2, real Envoy) the nodes pull, instead of anything built here. The charts still come
// from the pinned module (the Line line): the images are release Version, the chart templates
// are not.
type Release struct {
	Version string // e.g. 1.26.3 (Istio's tags have no leading v)
	Hub     string // HOST/REPO serving pilot and proxyv2; "": DefaultHub
}

func (r Release) hub() string {
	if r.Hub == "" {
		return DefaultHub
	}
	return r.Hub
}

// Pilot is istiod's image of the release (the istiod chart's <hub>/pilot:<tag>).
func (r Release) Pilot() string { return r.hub() + "/pilot:" + r.Version }

// ProxyV2 is the sidecar and gateway image of the release (<hub>/proxyv2:<tag>): pilot-agent
// and real Envoy.
func (r Release) ProxyV2() string { return r.hub() + "/proxyv2:" + r.Version }

// Images are the release's images by the profile's image-table names.
func (r Release) Images() map[string]string {
	return map[string]string{"istiod": r.Pilot(), "istio-proxy": r.ProxyV2()}
}

// Built is what Install needs for the release: its image refs and the module's charts (from
// the Go module cache; downloaded through the module proxy when missing). Nothing is built.
func (r Release) Built(ctx context.Context) (*Built, error) {
	dir, err := ModuleDir(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkLine(dir); err != nil {
		return nil, err
	}
	rel := r
	rel.Hub = r.hub()
	return &Built{Module: Module, Version: Version, Line: Line, ModuleDir: dir, Release: &rel,
		Istiod: &Image{Ref: r.Pilot()}, Proxy: &Image{Ref: r.ProxyV2()}, DataPlane: "Envoy (Istio proxyv2 " + r.Version + ")"}, nil
}

// Missing is one image a run needs that cannot be had here, and why.
type Missing struct {
	Image  string // the image table's name (istio-proxy)
	Ref    string // the reference the run would use
	Reason string
}

func (m Missing) String() string { return fmt.Sprintf("%s (%s): %s", m.Ref, m.Image, m.Reason) }

// HeadTimeout bounds each registry lookup of Unreachable.
const HeadTimeout = 10 * time.Second

// Unreachable asks the registry for each of the release's images (an anonymous manifest HEAD,
// as the nodes pull them, each under HeadTimeout) and returns
// those it cannot resolve, in name order.
func (r Release) Unreachable(ctx context.Context) []Missing {
	names := []string{"istiod", "istio-proxy"}
	imgs := r.Images()
	out := make([]*Missing, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := Resolvable(ctx, imgs[n], HeadTimeout); err != nil {
				out[i] = &Missing{Image: n, Ref: imgs[n], Reason: "unreachable: " + err.Error()}
			}
		}()
	}
	wg.Wait()
	var missing []Missing
	for _, m := range out {
		if m != nil {
			missing = append(missing, *m)
		}
	}
	return missing
}

// Resolvable is nil when the registry serves ref (a manifest HEAD within timeout).
func Resolvable(ctx context.Context, ref string, timeout time.Duration) error {
	r, err := name.ParseReference(ref)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err = remote.Head(r, remote.WithContext(ctx))
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("no answer within %s: %w", timeout, err)
	}
	return err
}
