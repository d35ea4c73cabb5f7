// Package profile is the system under test of a scenario: the images its
// manifests name and the cluster-wide install its runs share (a mesh's
// control plane, a gateway controller). A scenario names its profile; the
// run engine itself knows none of them.
//
// Invariants: Images and Install are idempotent; Install returns only once
// the profile's own done condition holds (its control plane serves), so the
// first run on a fresh cluster and the hundredth see the same cluster.
package profile

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/reports"
	"github.com/drainproof/drainproof/scenarios"
)

// Profile is one system under test.
type Profile interface {
	// Name is what scenarios write in their profile field.
	Name() string
	// ImageNames are the names this profile adds to a run's image table
	// ({{ image "istio-proxy" }}); lint renders with placeholders for them.
	ImageNames() []string
	// Images builds (or reuses from the cache) this profile's images.
	Images(ctx context.Context, o image.Options) (map[string]*image.Built, error)
	// Install makes a cluster ready for this profile's scenarios, given the
	// run's whole image table and how its images reach the cluster's nodes
	// (pull: access.Cluster's PullPolicy, Never for images loaded into kind
	// nodes, IfNotPresent for images pushed to a registry). Idempotent.
	Install(ctx context.Context, cfg *rest.Config, images map[string]string, pull corev1.PullPolicy, log io.Writer) error
	// DataPlane says what carries the traffic (reports print it): a real
	// proxy, or the L4 Envoy stand-in, which never counts as real Envoy.
	DataPlane() DataPlane
}

// Charter is a profile that renders charts for its scenarios' manifests
// ({{ chart "istio-gateway" (dict ...) }}). Charts needs no cluster and no
// built image: lint renders with it too.
type Charter interface {
	Charts(ctx context.Context) (map[string]scenarios.Chart, error)
}

// Charts are p's charts, none when p offers none.
func Charts(ctx context.Context, p Profile) (map[string]scenarios.Chart, error) {
	c, ok := p.(Charter)
	if !ok {
		return nil, nil
	}
	m, err := c.Charts(ctx)
	if err != nil {
		return nil, fmt.Errorf("profile %s: charts: %w", p.Name(), err)
	}
	return m, nil
}

// DataPlane is what carried a run's traffic (one type, the reports' own).
type DataPlane = reports.DataPlane

var registry = map[string]Profile{}

// register adds a profile at init; a duplicate name is a programming error.
func register(p Profile) {
	if _, dup := registry[p.Name()]; dup {
		panic("profile: duplicate " + p.Name())
	}
	registry[p.Name()] = p
}

// Get returns the named profile; "" is "manifests".
func Get(name string) (Profile, error) {
	if name == "" {
		name = "manifests"
	}
	p, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("profile %q: unknown (known: %s)", name, strings.Join(Names(), ", "))
	}
	return p, nil
}

// Names lists the registered profiles, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// BaseImages are the image names every run has (built by cluster.Up).
var BaseImages = []string{"fixtures", "gateway"}

// Placeholders is an image table of placeholder references for rendering a
// profile's manifests without a cluster (lint), with the gateway images a
// scenario names (its images field).
func Placeholders(p Profile, gatewayImages ...string) map[string]string {
	out := map[string]string{}
	for _, n := range append(append(append([]string{}, BaseImages...), p.ImageNames()...), gatewayImages...) {
		out[n] = "drainproof/" + n + ":lint"
	}
	return out
}
