package istio

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/drainproof/drainproof/internal/image/gobuild"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
	"github.com/drainproof/drainproof/internal/image/standin"
)

// StandInPackage is the L4 Envoy stand-in's main package in the drainproof source tree.
const StandInPackage = standin.Package

// ErrNoStandIn is returned (wrapped) by Build when the source tree has no Envoy stand-in: the
// istio-proxy image cannot be made without a data plane, and nothing else may take its place.
var ErrNoStandIn = standin.ErrMissing

// Options configure Build. The zero value builds everything into the default cache.
type Options struct {
	CacheDir  string    // zero: <imgbuild.CacheRoot()>/istio
	SourceDir string    // the drainproof source tree (for the stand-in); zero: imgbuild.ModuleRoot()
	Suite     string    // Debian suite of the istio-proxy image; zero: bookworm
	Log       io.Writer // step log; nil: silent
	// ControlPlaneOnly builds istiod's image and istioctl but no istio-proxy image (Built.Proxy
	// is nil): enough to install istiod and check injection when the stand-in is missing.
	ControlPlaneOnly bool
	// GoParallel is go build's -p for the Istio binaries (0: one per core). 1 bounds the memory
	// of the cold istiod build on a crowded machine.
	GoParallel int
}

// Image is one built image of this lane.
type Image = imgbuild.Archived

// Built is what Build made (or found in the cache).
type Built struct {
	Module, Version, Line string // the pinned Istio module, its pseudo-version, its minor line
	Istiod                *Image // pilot-discovery
	Proxy                 *Image // pilot-agent + the Envoy stand-in; nil with ControlPlaneOnly
	DataPlane             string // what the proxy image runs as Envoy (DataPlaneStandIn), "" without one
	Istioctl              string // path of the istioctl binary (host, linux/amd64)
	ModuleDir             string // the module's source in the Go module cache (charts, bootstrap)
	// Release is set in registry mode (Release.Built): Istiod and Proxy name the release's
	// upstream images, which have no Archive and which the nodes pull; nil for a build here.
	Release *Release
	// Delivered is how the images built here reach the cluster's nodes (access.Cluster's
	// PullPolicy): "" or Never when they were loaded into kind's nodes, IfNotPresent when they
	// were pushed to a registry the nodes pull from (an existing cluster). Set on a copy per
	// cluster (OnCluster), never on the build itself.
	Delivered corev1.PullPolicy
	Timings   []imgbuild.Timing
}

// OnCluster is b as delivered to one cluster (a copy: one build serves every cluster of a
// process): its images named istiod and proxy there (the refs the nodes pull when they were
// pushed to a registry; "" keeps b's), pulled as delivered says.
func (b *Built) OnCluster(delivered corev1.PullPolicy, istiod, proxy string) *Built {
	c := *b
	c.Delivered = delivered
	c.Istiod = b.Istiod.Renamed(istiod)
	c.Proxy = b.Proxy.Renamed(proxy)
	return &c
}

// PullPolicy is the imagePullPolicy of what Install and the gateway chart deploy: a release's
// images are pulled by the nodes (IfNotPresent); images built here are pulled from the registry
// they were pushed to (Delivered IfNotPresent) or never pulled at all when loaded into the
// nodes (Never: a missing one is an error, not a download).
func (b *Built) PullPolicy() string {
	switch {
	case b != nil && b.Release != nil:
		return "IfNotPresent"
	case b != nil && b.Delivered != "":
		return string(b.Delivered)
	}
	return "Never"
}

// Archives are the image archives to load into a cluster's nodes.
func (b *Built) Archives() []string {
	var as []string
	for _, i := range []*Image{b.Istiod, b.Proxy} {
		if i != nil && i.Archive != "" {
			as = append(as, i.Archive)
		}
	}
	return as
}

type builder struct {
	o                     Options
	cache, goVersion, mod string
	steps                 *imgbuild.Steps
}

// Build builds (or reuses) the Istio binaries and images. The first build compiles Istio from
// source (tens of minutes, about 3 GB of memory for istiod); later builds with the same inputs
// find everything in the cache.
func Build(ctx context.Context, o Options) (*Built, error) {
	b := &builder{o: o, cache: o.CacheDir, steps: &imgbuild.Steps{Out: o.Log, Prefix: "[istio] "}}
	if b.o.Suite == "" {
		b.o.Suite = "bookworm"
	}
	var err error
	if b.o.SourceDir == "" {
		if b.o.SourceDir, err = imgbuild.ModuleRoot(); err != nil {
			return nil, err
		}
	}
	if !standin.In(b.o.SourceDir) && !o.ControlPlaneOnly {
		return nil, fmt.Errorf("istio-proxy image: %w (or build with ControlPlaneOnly for istiod alone)", ErrNoStandIn)
	}
	lane, unlock, err := imgbuild.OpenLane(ctx, b.cache, "istio", b.steps)
	if err != nil {
		return nil, err
	}
	defer unlock()
	b.cache, b.goVersion = lane.Dir, lane.GoVersion

	out := &Built{Module: Module, Version: Version, Line: Line}
	var goMod string
	if out.ModuleDir, goMod, err = gobuild.ModuleInfo(ctx, filepath.Join(b.cache, "scratch"), Module, Version); err != nil {
		return nil, err
	}
	if err := checkLine(out.ModuleDir); err != nil {
		return nil, err
	}
	w, err := wrapper(goMod)
	if err != nil {
		return nil, err
	}
	bins := map[string]string{} // binary name -> directory
	for _, t := range tools(w, b.o.GoParallel) {
		if err := b.steps.Run("build "+t.Binary, func() (cached bool, err error) {
			bins[t.Binary], cached, err = t.Ensure(ctx, b.cache, b.goVersion)
			return cached, err
		}); err != nil {
			return nil, err
		}
	}
	out.Istioctl = filepath.Join(bins["istioctl"], "istioctl")
	if out.Istiod, err = b.istiodImage(bins["pilot-discovery"]); err != nil {
		return nil, err
	}
	if !o.ControlPlaneOnly {
		var standIn string
		if err := b.steps.Run("build envoy-standin", func() (cached bool, err error) {
			standIn, cached, err = standin.Build(ctx, b.o.SourceDir, b.cache, b.goVersion)
			return cached, err
		}); err != nil {
			return nil, err
		}
		if out.Proxy, err = b.proxyImage(ctx, bins["pilot-agent"], standIn, out.ModuleDir); err != nil {
			return nil, err
		}
		out.DataPlane = DataPlaneStandIn
	}
	out.Timings = b.steps.Timings()
	return out, nil
}

// wrapper is the wrapper module requiring the pinned Istio with its go.mod's go directive (and
// any replace/exclude lines) restated.
func wrapper(goModPath string) (gobuild.WrapperModule, error) {
	d, err := gobuild.ReadMainDirectives(goModPath)
	if err != nil {
		return gobuild.WrapperModule{}, err
	}
	return d.Wrapper("drainproof.local/build/istio", Module, Version, pilotDiscoveryPkg, pilotAgentPkg, istioctlPkg), nil
}

// tools are the three Istio programs, each in its own cache entry (their tags differ, and a
// change to one must not relink the others), sharing one wrapper module.
func tools(w gobuild.WrapperModule, parallel int) []gobuild.Tool {
	t := func(pkg string, tags []string) gobuild.Tool {
		name := pkg[strings.LastIndex(pkg, "/")+1:]
		return gobuild.Tool{Name: "istio-" + name, SrcName: "istio", Wrapper: w, Build: []string{pkg},
			Tags: tags, LDFlags: ldflags(), Binary: name, Parallel: parallel}
	}
	return []gobuild.Tool{t(pilotDiscoveryPkg, standardTags), t(istioctlPkg, standardTags), t(pilotAgentPkg, agentTags)}
}
