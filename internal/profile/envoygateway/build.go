package envoygateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"

	"github.com/drainproof/drainproof/internal/image/gobuild"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// StandInPackage is the L4 Envoy stand-in's main package in the drainproof source tree.
const StandInPackage = "./fixtures/envoy-standin"

// ErrNoStandIn is returned (wrapped) by Build when the source tree has no Envoy stand-in: the
// proxy image cannot be made without a data plane, and nothing else may take its place.
var ErrNoStandIn = errors.New("the L4 Envoy stand-in (" + StandInPackage + ") is not in the drainproof source tree; " +
	"the envoy-gateway-proxy image needs it as envoy on PATH (no Envoy binary can be had here)")

// Options configure Build. The zero value builds everything into the default cache.
type Options struct {
	CacheDir  string    // zero: <imgbuild.CacheRoot()>/envoy-gateway
	SourceDir string    // the drainproof source tree (for the stand-in); zero: imgbuild.ModuleRoot()
	Log       io.Writer // step log; nil: silent
	// GoParallel is go build's -p for the envoy-gateway binary (0: one per core).
	GoParallel int
}

// Image is one built image of this lane.
type Image = imgbuild.Archived

// Built is what Build made (or found in the cache).
type Built struct {
	Module, Version string
	ControlPlane    *Image // envoy-gateway: controller, certgen job, shutdown manager
	Proxy           *Image // the Envoy stand-in as envoy
	DataPlane       string // DataPlaneStandIn
	ModuleDir       string // the module's source in the Go module cache (the chart)
	// Delivered is how the images reach the cluster's nodes (access.Cluster's PullPolicy): ""
	// or Never when loaded into kind's nodes, IfNotPresent when pushed to a registry the nodes
	// pull from. Set on a copy per cluster (OnCluster), never on the build itself.
	Delivered corev1.PullPolicy
	Timings   []imgbuild.Timing
}

// OnCluster is b as delivered to one cluster (a copy: one build serves every cluster of a
// process): its images named controlPlane and proxy there (the refs the nodes pull when they
// were pushed to a registry; "" keeps b's), pulled as delivered says.
func (b *Built) OnCluster(delivered corev1.PullPolicy, controlPlane, proxy string) *Built {
	c := *b
	c.Delivered = delivered
	c.ControlPlane = b.ControlPlane.Renamed(controlPlane)
	c.Proxy = b.Proxy.Renamed(proxy)
	return &c
}

// PullPolicy is the imagePullPolicy of the control plane the chart deploys: Never for an image
// loaded into the nodes (a missing one is an error, not a download), IfNotPresent for one pushed
// to the registry the nodes pull from.
func (b *Built) PullPolicy() string {
	if b.Delivered != "" {
		return string(b.Delivered)
	}
	return "Never"
}

// Archives are the image archives to load into a cluster's nodes.
func (b *Built) Archives() []string { return []string{b.ControlPlane.Archive, b.Proxy.Archive} }

// Build builds (or reuses) the envoy-gateway binary, the stand-in and both images. The first
// build compiles Envoy Gateway (minutes); later ones find everything in the cache.
func Build(ctx context.Context, o Options) (*Built, error) {
	steps := &imgbuild.Steps{Out: o.Log, Prefix: "[envoy-gateway] "}
	src := o.SourceDir
	if src == "" {
		var err error
		if src, err = imgbuild.ModuleRoot(); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(src, filepath.FromSlash(StandInPackage))); err != nil {
		return nil, fmt.Errorf("envoy-gateway-proxy image: %w", ErrNoStandIn)
	}
	lane, unlock, err := imgbuild.OpenLane(ctx, o.CacheDir, "envoy-gateway", steps)
	if err != nil {
		return nil, err
	}
	defer unlock()
	cache, goVersion := lane.Dir, lane.GoVersion

	out := &Built{Module: Module, Version: Version, DataPlane: DataPlaneStandIn}
	var goMod string
	if out.ModuleDir, goMod, err = gobuild.ModuleInfo(ctx, filepath.Join(cache, "scratch"), Module, Version); err != nil {
		return nil, err
	}
	w, err := wrapper(goMod)
	if err != nil {
		return nil, err
	}
	var binDir, standInDir string
	if err := steps.Run("build "+Binary+" "+Version, func() (cached bool, err error) {
		binDir, cached, err = tool(w, o.GoParallel).Ensure(ctx, cache, goVersion)
		return cached, err
	}); err != nil {
		return nil, err
	}
	if err := steps.Run("build envoy-standin", func() (cached bool, err error) {
		standInDir, _, cached, err = gobuild.Own{Name: "envoy-standin", Src: src, Packages: []string{StandInPackage}}.Ensure(ctx, cache, goVersion)
		return cached, err
	}); err != nil {
		return nil, err
	}
	img := imager{cache: cache, steps: steps}
	if out.ControlPlane, err = img.controlPlane(filepath.Join(binDir, Binary)); err != nil {
		return nil, err
	}
	if out.Proxy, err = img.proxy(filepath.Join(standInDir, "envoy-standin")); err != nil {
		return nil, err
	}
	out.Timings = steps.Timings()
	return out, nil
}

// wrapper is the wrapper module requiring the pinned Envoy Gateway with its go.mod's go
// directive (and any replace/exclude lines) restated.
func wrapper(goModPath string) (gobuild.WrapperModule, error) {
	d, err := gobuild.ReadMainDirectives(goModPath)
	if err != nil {
		return gobuild.WrapperModule{}, err
	}
	return d.Wrapper("drainproof.local/build/envoy-gateway", Module, Version, binaryPkg), nil
}

// tool is the envoy-gateway binary's build: CGO off and -trimpath (gobuild), no build tags
// (Envoy Gateway's own build uses none).
func tool(w gobuild.WrapperModule, parallel int) gobuild.Tool {
	return gobuild.Tool{Name: "envoy-gateway", Wrapper: w, Build: []string{binaryPkg}, LDFlags: ldflags(), Binary: Binary, Parallel: parallel}
}
