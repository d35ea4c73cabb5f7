package profile

import (
	"context"
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/drainproof/drainproof/internal/access"
	"github.com/drainproof/drainproof/internal/cluster"
	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/image/gateways"
	"github.com/drainproof/drainproof/scenarios"
)

// loadedGateways memoises gateway images per cluster for this process.
var loadedGateways sync.Map // "cluster/gateway" → *gatewayOnce

type gatewayOnce struct {
	mu  sync.Mutex
	ref string
}

// EnsureScenario is Ensure for s's profile (as sel selects it) plus the gateway images s names
// (its images field: gateways built from Go modules), each built and delivered
// to c's nodes once per cluster. The returned image table and data plane
// are s's: the profile's, with the gateways' images and, when s names a
// gateway, the gateway as the data plane.
func EnsureScenario(ctx context.Context, c access.Cluster, s *scenarios.Scenario, sel Selection, base map[string]string, log io.Writer) (*Ready, error) {
	p, err := sel.Profile(s.Profile)
	if err != nil {
		return nil, err
	}
	r, err := Ensure(ctx, c, p, base, log)
	if err != nil || len(s.Images) == 0 {
		return r, err
	}
	if log == nil {
		log = io.Discard
	}
	out := &Ready{Images: maps.Clone(r.Images), DataPlane: r.DataPlane, Charts: r.Charts, Timings: r.Timings}
	var proxies, versions []string
	for _, name := range s.Images {
		g, err := gateways.Get(name)
		if err != nil {
			return nil, fmt.Errorf("%s: images: %w", s.Source, err)
		}
		if _, clash := out.Images[name]; clash {
			return nil, fmt.Errorf("%s: images: gateway %q shadows an image of profile %s", s.Source, name, s.ProfileName())
		}
		ref, timings, err := ensureGateway(ctx, c, g, log)
		if err != nil {
			return nil, err
		}
		out.Images[name] = ref
		out.Timings = append(out.Timings, timings...)
		proxies, versions = append(proxies, g.DataPlane.Proxy), append(versions, g.DataPlane.Version)
	}
	out.DataPlane = DataPlane{Proxy: strings.Join(proxies, ", "), Version: strings.Join(versions, "; ")}
	return out, nil
}

// ensureGateway builds g's image and delivers it to c's nodes, once per cluster.
func ensureGateway(ctx context.Context, c access.Cluster, g gateways.Gateway, log io.Writer) (string, []cluster.Timing, error) {
	v, _ := loadedGateways.LoadOrStore(c.Key()+"/"+g.Name, &gatewayOnce{})
	once := v.(*gatewayOnce)
	once.mu.Lock()
	defer once.mu.Unlock()
	if once.ref != "" {
		return once.ref, nil, nil
	}
	t0 := time.Now()
	b, err := g.Image(ctx, image.Options{Log: log})
	if err != nil {
		return "", nil, fmt.Errorf("gateway %s: image: %w", g.Name, err)
	}
	built := time.Since(t0)
	t := time.Now()
	ref, err := c.Deliver(ctx, b)
	if err != nil {
		return "", nil, fmt.Errorf("gateway %s: deliver %s: %w", g.Name, b.Ref, err)
	}
	once.ref = ref
	return ref, []cluster.Timing{{Step: "gateway " + g.Name + " image", Duration: built}, {Step: "deliver " + b.Ref, Duration: time.Since(t)}}, nil
}
