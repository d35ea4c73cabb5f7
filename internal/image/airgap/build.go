package airgap

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/drainproof/drainproof/internal/image/gobuild"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// Options configure BuildNodeImage. The zero value builds DefaultVersions into the default cache.
type Options struct {
	Versions  Versions  // zero: DefaultVersions
	CacheDir  string    // zero: <imgbuild.CacheRoot()>/<CacheDirName(Versions)>
	SourceDir string    // the drainproof source tree; zero: imgbuild.ModuleRoot()
	Log       io.Writer // step log (each step with its duration); nil: silent
	// Rebuild assembles the node (and base) image again even when docker already has one with
	// the same inputs; steps whose outputs are in CacheDir are still reused (point CacheDir at an
	// empty directory for a cold build).
	Rebuild bool
}

// Result is a built (or reused) node image.
type Result struct {
	NodeImage string            // docker image reference, e.g. drainproof/node:v1.33.13-<key>
	Cached    bool              // the image already existed: nothing was built
	Timings   []imgbuild.Timing // per step
}

type builder struct {
	v                     Versions
	cache, src, goVersion string
	steps                 *imgbuild.Steps
	nodeKey, baseKey      string
	rebuild               bool

	mu   sync.Mutex
	bins map[string]string // binary dirs in use: tool name -> key (others are pruned)
}

// usedBin records that bin/<name>-<key> belongs to the current build.
func (b *builder) usedBin(name, key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bins == nil {
		b.bins = map[string]string{}
	}
	b.bins[name] = key
}

func newBuilder(ctx context.Context, o Options) (*builder, error) {
	b := &builder{v: o.Versions, cache: o.CacheDir, src: o.SourceDir,
		steps: &imgbuild.Steps{Out: o.Log, Prefix: "[node-image] "}, rebuild: o.Rebuild}
	if b.v == (Versions{}) {
		b.v = DefaultVersions
	}
	if _, err := b.v.StagingVersion(); err != nil {
		return nil, err
	}
	var err error
	if b.cache == "" {
		root, err := imgbuild.CacheRoot()
		if err != nil {
			return nil, err
		}
		b.cache = filepath.Join(root, CacheDirName(b.v))
	}
	if b.src == "" {
		if b.src, err = imgbuild.ModuleRoot(); err != nil {
			return nil, err
		}
	}
	if b.goVersion, err = imgbuild.GoVersion(ctx); err != nil {
		return nil, err
	}
	// The node image depends on the versions, the Go toolchain, and our own code under
	// internal/image/airgap (builder logic, pause, kindnet-lite, iptables-wrapper, manifests).
	all, err := imgbuild.SourceKey(ctx, b.src, "./internal/image/airgap/...")
	if err != nil {
		return nil, err
	}
	b.nodeKey = imgbuild.Key("node", b.v.String(), b.goVersion, all)[:12]
	// The base (node OS) depends only on Debian, kind's files, the base-building code and the
	// pause image containerd's config names.
	baseSrc, err := imgbuild.SourceKey(ctx, b.src, "./internal/image/airgap")
	if err != nil {
		return nil, err
	}
	b.baseKey = imgbuild.Key("base", b.v.Debian, b.v.Kind, strings.Join(basePackages, ","), baseSrc, b.v.PauseImage())[:12]
	return b, nil
}

// CacheDirName is the cache directory of v's builds under the cache root: "airgap" for the
// default Kubernetes version, "airgap-v<version>" for any other. Each version has its own build
// lock, wrapper modules, binaries and Debian tree, so building one version never waits for (or
// disturbs) a build or use of another; Go's build cache is shared, so what two versions have in
// common compiles once.
func CacheDirName(v Versions) string {
	if v.Kubernetes == DefaultVersions.Kubernetes {
		return "airgap"
	}
	return "airgap-v" + v.Kubernetes
}

// NodeImageRef returns the reference BuildNodeImage builds for o, without building anything
// (about a second: it hashes the inputs).
func NodeImageRef(ctx context.Context, o Options) (string, error) {
	b, err := newBuilder(ctx, o)
	if err != nil {
		return "", err
	}
	return NodeImage(b.v, b.nodeKey), nil
}

// BuildNodeImage builds the air-gapped kind node image into the local docker engine, or reuses
// it when an image with the same inputs exists. Everything it builds on the way is cached
// under Options.CacheDir, keyed by its own inputs.
func BuildNodeImage(ctx context.Context, o Options) (*Result, error) {
	b, err := newBuilder(ctx, o)
	if err != nil {
		return nil, err
	}
	ref := NodeImage(b.v, b.nodeKey)
	have, err := imgbuild.DockerImageExists(ctx, ref)
	if err != nil {
		return nil, err
	}
	if have && !b.rebuild {
		b.steps.Logf("%s is up to date", ref)
		b.markUsed(ref)
		return &Result{NodeImage: ref, Cached: true}, nil
	}
	unlock, err := imgbuild.Lock(ctx, filepath.Join(b.cache, ".lock"), func() {
		b.steps.Logf("waiting for another build using %s", b.cache)
	})
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Another process may have built it while we waited.
	if have, err := imgbuild.DockerImageExists(ctx, ref); err != nil || (have && !b.rebuild) {
		return &Result{NodeImage: ref, Cached: true}, err
	}
	if err := b.build(ctx, ref); err != nil {
		return nil, err
	}
	b.markUsed(ref)
	b.markUsed(BaseImage(b.v, b.baseKey))
	b.prune(ctx)
	return &Result{NodeImage: ref, Timings: b.steps.Timings()}, nil
}

func (b *builder) build(ctx context.Context, ref string) error {
	s := b.steps
	s.Logf("building %s (%s)", ref, b.v)
	kindDir, _, err := gobuild.ModuleInfo(ctx, b.cache, "sigs.k8s.io/kind", b.v.Kind)
	if err != nil {
		return err
	}
	tree := imgbuild.Rootfs{Dir: filepath.Join(b.cache, "rootfs", "node-"+b.v.Debian), Suite: b.v.Debian, Include: basePackages}
	baseRef := BaseImage(b.v, b.baseKey)
	var baseLayer v1.Layer
	var bins binaries

	g, gctx := errgroup.WithContext(ctx)
	// The OS side (network and disk bound) runs alongside the Go builds (CPU bound).
	g.Go(func() error {
		if err := s.Run("debootstrap node rootfs", func() (bool, error) { return tree.Ensure(gctx) }); err != nil {
			return err
		}
		stamp := tree.Dir + ".custom.stamp"
		if err := s.Run("customize node rootfs", func() (bool, error) {
			if imgbuild.HasStamp(stamp, b.baseKey) {
				return true, nil
			}
			if err := customizeBase(gctx, tree, kindDir, b.v.PauseImage()); err != nil {
				return false, err
			}
			return false, imgbuild.WriteStamp(stamp, b.baseKey)
		}); err != nil {
			return err
		}
		if err := s.Run("base layer", func() (cached bool, err error) {
			baseLayer, cached, err = imgbuild.DirLayer(gctx, tree.Dir, filepath.Join(b.cache, "layers", "base-"+b.baseKey+".tar.gz"), b.baseKey)
			return cached, err
		}); err != nil {
			return err
		}
		return s.Run("load base image "+baseRef, func() (bool, error) {
			if have, err := imgbuild.DockerImageExists(gctx, baseRef); err != nil || (have && !b.rebuild) {
				return have, err
			}
			img, err := baseImage(baseLayer)
			if err != nil {
				return false, err
			}
			return false, imgbuild.DockerLoad(gctx, map[string]v1.Image{baseRef: img})
		})
	})
	g.Go(func() error { return b.buildBinaries(gctx, &bins) })
	if err := g.Wait(); err != nil {
		return err
	}

	if err := s.Run("check kubeadm image list", func() (bool, error) {
		out, err := imgbuild.Run(ctx, nil, bins.k("kubeadm"), "config", "images", "list", "--kubernetes-version", "v"+b.v.Kubernetes)
		if err != nil {
			return false, err
		}
		return false, b.v.CheckKubeadmImages(out)
	}); err != nil {
		return err
	}
	kindnetRef := KindnetImage(b.nodeKey)
	archive := filepath.Join(b.cache, "images", "components-"+b.nodeKey+".tar")
	refs := append(b.v.KubeadmImages(), kindnetRef)
	if err := s.Run("component images", func() (bool, error) {
		if imgbuild.HasStamp(archive+".stamp", b.nodeKey) {
			return true, nil
		}
		imgs, err := componentImages(b.v, bins, tree.Dir, kindnetRef)
		if err != nil {
			return false, err
		}
		if err := imgbuild.WriteArchive(archive, imgs); err != nil {
			return false, err
		}
		return false, imgbuild.WriteStamp(archive+".stamp", b.nodeKey)
	}); err != nil {
		return err
	}
	var ctrLayer, filesLayer v1.Layer
	ctrTar := filepath.Join(b.cache, "layers", "containerd-"+b.nodeKey+".tar.gz")
	if err := s.Run("pre-import images into containerd", func() (bool, error) {
		if imgbuild.HasStamp(ctrTar+".stamp", b.nodeKey) {
			l, cached, err := imgbuild.DirLayer(ctx, "", ctrTar, b.nodeKey) // stamped: reads the cached file
			ctrLayer = l
			return cached, err
		}
		state := filepath.Join(b.cache, "work", fmt.Sprintf("containerd-%s-%d", b.nodeKey, os.Getpid()))
		defer os.RemoveAll(state)
		if err := preimport(ctx, baseRef, archive, state, refs); err != nil {
			return false, err
		}
		l, _, err := imgbuild.DirLayer(ctx, state, ctrTar, b.nodeKey)
		ctrLayer = l
		return false, err
	}); err != nil {
		return err
	}
	if err := s.Run("node files layer", func() (bool, error) {
		es, err := nodeFileEntries(b.v, bins, kindnetRef, tree.Dir)
		if err == nil {
			filesLayer, err = imgbuild.NewLayer(es)
		}
		return false, err
	}); err != nil {
		return err
	}
	return s.Run("load node image "+ref, func() (bool, error) {
		img, err := imgbuild.NewImage(nodeConfig, baseLayer, filesLayer, ctrLayer)
		if err != nil {
			return false, err
		}
		return false, imgbuild.DockerLoad(ctx, map[string]v1.Image{ref: img})
	})
}

// buildBinaries builds Kubernetes (then kindnet-lite, which shares its module) in one lane and
// the third-party tools and our small programs in another. Each go command already uses every
// core while compiling; running two overlaps one's single-threaded phases (module download, tidy,
// linking) with the other's compiling.
func (b *builder) buildBinaries(ctx context.Context, out *binaries) error {
	s := b.steps
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		var k8s gobuild.WrapperModule
		if err := s.Run("build kubernetes v"+b.v.Kubernetes, func() (cached bool, err error) {
			if k8s, err = b.kubernetesWrapper(ctx); err != nil {
				return false, err
			}
			out.k8s, cached, err = b.buildTool(ctx, gobuild.Tool{Name: "kubernetes", Wrapper: k8s, Build: kubernetesPackages, LDFlags: kubernetesLDFlags(b.v)})
			return cached, err
		}); err != nil {
			return err
		}
		return s.Run("build kindnet-lite", func() (cached bool, err error) {
			out.kindnet, cached, err = b.buildTool(ctx, gobuild.Tool{Name: "kindnet-lite", SrcName: "kubernetes", Wrapper: k8s,
				Build: []string{"./kindnet-lite"}, LDFlags: "-s -w"})
			return cached, err
		})
	})
	g.Go(func() error {
		dirs := map[string]*string{"etcd": &out.etcd, "coredns": &out.coredns, "cni-plugins": &out.cni, "crictl": &out.crictl}
		for _, t := range thirdPartyTools(b.v) {
			if err := s.Run("build "+t.Name, func() (cached bool, err error) {
				*dirs[t.Name], cached, err = b.buildTool(ctx, t)
				return cached, err
			}); err != nil {
				return err
			}
		}
		return s.Run("build pause, iptables-wrapper", func() (cached bool, err error) {
			out.own, cached, err = b.buildOwn(ctx, "node-programs", "./internal/image/airgap/cmd/pause", "./internal/image/airgap/cmd/iptables-wrapper")
			return cached, err
		})
	})
	return g.Wait()
}

// kubernetesWrapper is the wrapper module for the Kubernetes programs. kindnet-lite's source is
// added to it: built there, it uses the client-go the cluster runs (v0.33.x), and its
// dependencies are already compiled for Kubernetes.
func (b *builder) kubernetesWrapper(ctx context.Context) (gobuild.WrapperModule, error) {
	staging, _ := b.v.StagingVersion()
	_, goMod, err := gobuild.ModuleInfo(ctx, b.cache, "k8s.io/kubernetes", "v"+b.v.Kubernetes)
	if err != nil {
		return gobuild.WrapperModule{}, err
	}
	data, err := os.ReadFile(goMod)
	if err != nil {
		return gobuild.WrapperModule{}, err
	}
	w, err := KubernetesWrapper(data, b.v.Kubernetes, staging, kubernetesPackages)
	if err != nil {
		return gobuild.WrapperModule{}, err
	}
	if err := b.checkStagingServed(ctx, w, requiredModules(data)); err != nil {
		return gobuild.WrapperModule{}, err
	}
	kindnet, err := os.ReadFile(filepath.Join(b.src, "internal/image/airgap/cmd/kindnet-lite/main.go"))
	if err != nil {
		return gobuild.WrapperModule{}, fmt.Errorf("kindnet-lite source: %w", err)
	}
	w.Files = map[string][]byte{"kindnet-lite/main.go": kindnet}
	return w, nil
}

// checkStagingServed asks the proxy for every staging module the wrapper replaces that
// k8s.io/kubernetes requires (the others never enter the module graph), before any
// compiling: a release whose staging modules are not all served cannot be built here, and the
// error names the module the proxy refused (go mod tidy would fail later, less clearly).
func (b *builder) checkStagingServed(ctx context.Context, w gobuild.WrapperModule, required map[string]bool) error {
	var mods []string
	for _, m := range gobuild.SortedKeys(w.Replace) {
		if required[m] {
			mods = append(mods, strings.ReplaceAll(w.Replace[m], " ", "@"))
		}
	}
	refused, err := gobuild.RefusedModules(ctx, filepath.Join(b.cache, "work"), mods)
	if err != nil {
		return err
	}
	return refusedError(b.v.Kubernetes, refused)
}

// refusedError is nil when nothing was refused, else the error naming the first refused module
// (and how many more).
func refusedError(kubernetes string, refused []gobuild.Refused) error {
	if len(refused) == 0 {
		return nil
	}
	more := ""
	if len(refused) > 1 {
		var rest []string
		for _, r := range refused[1:] {
			rest = append(rest, r.Module)
		}
		more = fmt.Sprintf(" (also refused: %s)", strings.Join(rest, ", "))
	}
	return fmt.Errorf("kubernetes v%s cannot be built here: the module proxy refused %s: %s%s",
		kubernetes, refused[0].Module, refused[0].Reason, more)
}

// String describes the result for logs.
func (r *Result) String() string {
	if r.Cached {
		return fmt.Sprintf("%s (cached)", r.NodeImage)
	}
	return r.NodeImage
}
