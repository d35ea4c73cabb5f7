package profile

import (
	"context"
	"fmt"
	"io"
	"maps"
	"sync"
	"time"

	"github.com/drainproof/drainproof/internal/access"
	"github.com/drainproof/drainproof/internal/cluster"
	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/scenarios"
)

// Ready is a profile made ready on one cluster: the run's image table and
// what carries its traffic.
type Ready struct {
	Images    map[string]string // base images + the profile's own, name → ref
	DataPlane DataPlane
	Charts    map[string]scenarios.Chart // the profile's charts for manifests (Charter)
	Timings   []cluster.Timing
}

// ensured memoises Ensure per cluster and profile for this process: runs on
// one cluster share one install (a failed one is retried by the next call).
var ensured sync.Map // "cluster/profile" → *ensureOnce

type ensureOnce struct {
	mu    sync.Mutex
	ready *Ready
}

// Ensure builds the profile's images, delivers them to c's nodes (loaded into
// kind nodes, pushed to a registry for an existing cluster: see
// internal/access) and installs the profile, once per cluster per process (per
// release, for a profile at an upstream release: see Selection). base is the
// run's base image table (fixtures, gateway, already delivered). Images with
// no archive (a release's upstream images) are not delivered: the nodes pull
// them from where they are.
func Ensure(ctx context.Context, c access.Cluster, p Profile, base map[string]string, log io.Writer) (*Ready, error) {
	if log == nil {
		log = io.Discard
	}
	v, _ := ensured.LoadOrStore(ensureKey(c.Key(), p), &ensureOnce{})
	once := v.(*ensureOnce)
	once.mu.Lock()
	defer once.mu.Unlock()
	if once.ready != nil {
		return once.ready, nil
	}
	r := &Ready{Images: maps.Clone(base), DataPlane: p.DataPlane()}
	t0 := time.Now()
	built, err := p.Images(ctx, image.Options{Log: log})
	if err != nil {
		return nil, fmt.Errorf("profile %s: images: %w", p.Name(), err)
	}
	for n, b := range built {
		if _, clash := r.Images[n]; clash {
			return nil, fmt.Errorf("profile %s: image %q shadows a base image", p.Name(), n)
		}
		if b.Archive == "" {
			r.Images[n] = b.Ref // a release's image: pulled by the nodes
			continue
		}
		t := time.Now()
		ref, err := c.Deliver(ctx, b)
		if err != nil {
			return nil, fmt.Errorf("profile %s: deliver %s: %w", p.Name(), b.Ref, err)
		}
		r.Images[n] = ref
		r.Timings = append(r.Timings, cluster.Timing{Step: "deliver " + b.Ref, Duration: time.Since(t)})
	}
	if len(built) > 0 {
		r.Timings = append(r.Timings, cluster.Timing{Step: "profile " + p.Name() + " images", Duration: time.Since(t0)})
	}
	if r.Charts, err = Charts(ctx, p); err != nil {
		return nil, err
	}
	t0 = time.Now()
	if err := p.Install(ctx, c.RESTConfig(), r.Images, c.PullPolicy(), log); err != nil {
		return nil, fmt.Errorf("profile %s: install: %w", p.Name(), err)
	}
	r.Timings = append(r.Timings, cluster.Timing{Step: "profile " + p.Name() + " install", Duration: time.Since(t0)})
	once.ready = r
	return r, nil
}

// BaseTable is the base image table (BaseImages) of what cluster.Up built.
func BaseTable(imgs *cluster.Images) map[string]string {
	return map[string]string{"fixtures": imgs.Fixtures.Ref, "gateway": imgs.Gateway.Ref}
}
