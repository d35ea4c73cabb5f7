// Package gateways is the registry of gateways built from Go modules: real proxies compiled from
// their upstream module at a pinned version (never through drainproof's go.mod) and made into an
// image. A scenario of the manifests profile names the ones its manifests use in its images field
// ({{ image "traefik" }}); the run builds and loads those and nothing else, so a haproxy scenario
// never waits for traefik's compile. The run engine knows no gateway by name.
package gateways

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/reports"
)

// Gateway is one buildable gateway.
type Gateway struct {
	// Name is its image-table name and what scenarios write in images.
	Name string
	// DataPlane is what reports print for a run whose traffic it carried.
	DataPlane reports.DataPlane
	// Image builds (or reuses from the cache) its image.
	Image func(ctx context.Context, o image.Options) (*image.Built, error)
}

var registry = map[string]Gateway{}

// register adds a gateway at init; a duplicate name is a programming error.
func register(g Gateway) {
	if _, dup := registry[g.Name]; dup {
		panic("gateways: duplicate " + g.Name)
	}
	registry[g.Name] = g
}

// Get returns the named gateway.
func Get(name string) (Gateway, error) {
	g, ok := registry[name]
	if !ok {
		return Gateway{}, fmt.Errorf("gateway image %q: unknown (known: %s)", name, strings.Join(Names(), ", "))
	}
	return g, nil
}

// Names lists the registered gateways, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
