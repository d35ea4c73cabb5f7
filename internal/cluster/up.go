package cluster

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"sigs.k8s.io/kind/pkg/apis/config/defaults"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/image/airgap"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// DefaultName is the cluster name when none is given.
const DefaultName = "drainproof"

// Timing is one measured step (image build, cluster create, image load).
type Timing = imgbuild.Timing

// Images are the images a drainproof run needs.
type Images struct {
	Node     string       // node image ("" = kind's default, pulled by kind)
	Fixtures *image.Built // drainproof/fixtures:<key> (sshd, httpd, caller, drainwait, ...)
	Gateway  *image.Built // drainproof/gateway:<suite>-<key> (haproxy, nginx-light + fixtures)
	Timings  []Timing
}

// NodeImageName is the node image as reports name it (kind's default
// image when none was built).
func (i *Images) NodeImageName() string {
	if i.Node != "" {
		return i.Node
	}
	return defaults.Image + " (kind's default)"
}

// ImagesOptions configure BuildImages.
type ImagesOptions struct {
	AirGapped bool // build drainproof's own node image (no registry needed)
	// Kubernetes is the node image's Kubernetes version (v1.35.4; "": DefaultKubernetes). Only
	// air-gapped node images are built for a chosen version (see KubernetesVersions).
	Kubernetes string
	Rebuild    bool      // assemble the node image again even if docker has it (see airgap.Options.Rebuild)
	Log        io.Writer // step log
}

// BuildImages builds (or reuses from the cache) the air-gapped node image when asked, and the
// fixtures and gateway images always (they come from our Go code and Debian, never a registry).
func BuildImages(ctx context.Context, o ImagesOptions) (*Images, error) {
	if err := checkKubernetesChoice(o.Kubernetes, o.AirGapped); err != nil {
		return nil, err
	}
	imgs := &Images{}
	var mu sync.Mutex
	record := func(ts ...Timing) {
		mu.Lock()
		defer mu.Unlock()
		imgs.Timings = append(imgs.Timings, ts...)
	}
	// The node image is mostly Go compiling (CPU); the gateway image is mostly debootstrap
	// (network, disk): building them side by side shortens a cold run.
	g, gctx := errgroup.WithContext(ctx)
	if o.AirGapped {
		g.Go(func() error {
			t0 := time.Now()
			v, err := nodeVersions(o.Kubernetes)
			if err != nil {
				return err
			}
			r, err := airgap.BuildNodeImage(gctx, airgap.Options{Versions: v, Log: o.Log, Rebuild: o.Rebuild})
			if err != nil {
				return fmt.Errorf("air-gapped node image: %w", err)
			}
			imgs.Node = r.NodeImage
			record(r.Timings...)
			record(Timing{Step: "node image total", Duration: time.Since(t0), Cached: r.Cached})
			return nil
		})
	}
	g.Go(func() error {
		t0 := time.Now()
		f, err := image.Fixtures(gctx, image.Options{Log: o.Log})
		if err != nil {
			return fmt.Errorf("fixtures image: %w", err)
		}
		imgs.Fixtures = f
		record(Timing{Step: "fixtures image total", Duration: time.Since(t0), Cached: f.Cached})
		t0 = time.Now()
		gw, err := image.Gateway(gctx, image.Options{Log: o.Log})
		if err != nil {
			return fmt.Errorf("gateway image: %w", err)
		}
		imgs.Gateway = gw
		record(Timing{Step: "gateway image total", Duration: time.Since(t0), Cached: gw.Cached})
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return imgs, nil
}

// UpOptions configure Up.
type UpOptions struct {
	Name       string        // default DefaultName
	AirGapped  bool          // use (and build if needed) drainproof's own node image
	Kubernetes string        // the air-gapped node image's Kubernetes version ("": DefaultKubernetes)
	Workers    int           // worker nodes besides the control plane
	Keep       bool          // keep a cluster whose creation failed
	WaitReady  time.Duration // default 5m
	LogsDir    string        // logs exported here when creation fails
	Log        io.Writer
}

// Up builds or reuses the images, creates or reuses the cluster, and loads the fixtures and
// gateway images into every node. The timings cover each of those steps.
func Up(ctx context.Context, o UpOptions) (*Cluster, *Images, error) {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if err := checkKubernetesChoice(o.Kubernetes, o.AirGapped); err != nil {
		return nil, nil, err
	}
	if !o.AirGapped {
		missing, err := Preflight(ctx, false)
		if err != nil {
			return nil, nil, err
		}
		for _, m := range missing {
			if o.Log != nil {
				fmt.Fprintf(o.Log, "[cluster] preflight: %s\n", m)
			}
		}
	}
	imgs, err := BuildImages(ctx, ImagesOptions{AirGapped: o.AirGapped, Kubernetes: o.Kubernetes, Log: o.Log})
	if err != nil {
		return nil, nil, err
	}
	opts := []Option{Workers(o.Workers), Keep(o.Keep), Log(o.Log)}
	if imgs.Node != "" {
		opts = append(opts, NodeImage(imgs.Node))
	}
	if o.WaitReady > 0 {
		opts = append(opts, WaitReady(o.WaitReady))
	}
	if o.LogsDir != "" {
		opts = append(opts, LogsOnFailure(o.LogsDir))
	}
	t0 := time.Now()
	c, err := Create(ctx, o.Name, opts...)
	if err != nil {
		return nil, imgs, err
	}
	step := "cluster create"
	if c.Reused {
		step = "cluster reuse"
	}
	imgs.Timings = append(imgs.Timings, Timing{Step: step, Duration: time.Since(t0), Cached: c.Reused})
	for _, b := range []*image.Built{imgs.Fixtures, imgs.Gateway} {
		t0 := time.Now()
		if err := c.LoadImageArchive(ctx, b.Archive); err != nil {
			return c, imgs, err
		}
		imgs.Timings = append(imgs.Timings, Timing{Step: "load " + b.Ref, Duration: time.Since(t0)})
	}
	return c, imgs, nil
}

// Down deletes the named cluster (default DefaultName); a missing cluster is no error.
func Down(ctx context.Context, name string, log io.Writer) error {
	if name == "" {
		name = DefaultName
	}
	return Delete(ctx, name, Log(log))
}
