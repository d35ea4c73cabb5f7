// Package envoy builds the image the envoy and gloo profiles run as Envoy. With a registry the
// same manifests run Upstream (or gloo's envoy wrapper); here no Envoy binary can be had, so the
// image is air-gapped: Debian minbase with a shell and GNU wget (gloo's preStop and probes call
// it) and drainproof's L4 Envoy stand-in at /usr/local/bin/envoy, where Envoy's images have
// Envoy. The image config says so (standin.DataPlaneLabel), and every report of a run on it says
// "Envoy stand-in (L4)": never a result on real Envoy.
//
// Cache layout under <DRAINPROOF_CACHE or ~/.cache/drainproof>/envoy: bin/envoy-standin-<key>/,
// rootfs/envoy-<suite> (the Debian tree), layers/, archives/envoy-<key>.tar (+ .stamp), .lock.
package envoy

import (
	"context"
	"io"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
	"github.com/drainproof/drainproof/internal/image/standin"
)

const (
	// Repo is the air-gapped image's repository (its tag is a content key).
	Repo = "docker.io/drainproof/envoy"
	// Upstream is the image the manifests are written for: the Envoy release Envoy Gateway
	// v1.9.1 pins (its api/v1alpha1 DefaultEnvoyProxyImage, here without distroless: the
	// preStops need a shell). Not run here: no registry.
	Upstream = "docker.io/envoyproxy/envoy:v1.39.1"
	// StandsInForLabel records in the image config which image it takes the place of.
	StandsInForLabel = "io.drainproof.stands-in-for"
)

// Packages are the Debian packages on top of minbase: GNU wget for gloo's
// `wget --post-data "" 127.0.0.1:19000/healthcheck/fail` preStop and its wget probes.
var Packages = []string{"wget", "ca-certificates"}

// cleanup trims the tree and makes the directory Envoy images mount their bootstrap on.
const cleanup = `
apt-get clean
rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/locale/* /var/cache/debconf/*-old /var/log/*.log
mkdir -p /etc/envoy
: > /etc/machine-id
`

// layout versions the image's own layer and config (bump when they change).
const layout = "envoy-layout-1"

// Options configure Build. The zero value builds into the default cache.
type Options struct {
	CacheDir  string    // zero: <imgbuild.CacheRoot()>/envoy
	SourceDir string    // the drainproof source tree (for the stand-in); zero: imgbuild.ModuleRoot()
	Suite     string    // Debian suite; zero: bookworm
	Log       io.Writer // step log; nil: silent
}

// Image is the built image, written as a docker-archive tarball.
type Image struct {
	Ref     string // docker.io/drainproof/envoy:standin-<key>
	Archive string
	Cached  bool
	Timings []imgbuild.Timing
}

// Build builds (or reuses) the envoy image.
func Build(ctx context.Context, o Options) (*Image, error) {
	steps := &imgbuild.Steps{Out: o.Log, Prefix: "[envoy] "}
	if o.Suite == "" {
		o.Suite = "bookworm"
	}
	var err error
	if o.CacheDir == "" {
		root, err := imgbuild.CacheRoot()
		if err != nil {
			return nil, err
		}
		o.CacheDir = filepath.Join(root, "envoy")
	}
	if o.SourceDir == "" {
		if o.SourceDir, err = imgbuild.ModuleRoot(); err != nil {
			return nil, err
		}
	}
	goVersion, err := imgbuild.GoVersion(ctx)
	if err != nil {
		return nil, err
	}
	unlock, err := imgbuild.Lock(ctx, filepath.Join(o.CacheDir, ".lock"), func() {
		steps.Logf("waiting for another build using %s", o.CacheDir)
	})
	if err != nil {
		return nil, err
	}
	defer unlock()

	var bin string
	if err := steps.Run("build envoy-standin", func() (cached bool, err error) {
		bin, cached, err = standin.Build(ctx, o.SourceDir, o.CacheDir, goVersion)
		return cached, err
	}); err != nil {
		return nil, err
	}
	binKey, err := imgbuild.FileKey(bin)
	if err != nil {
		return nil, err
	}
	base := imgbuild.DebianBase{
		Name:      "envoy",
		Tree:      imgbuild.Rootfs{Dir: filepath.Join(o.CacheDir, "rootfs", "envoy-"+o.Suite), Suite: o.Suite, Include: Packages},
		Cleanup:   cleanup,
		LayersDir: filepath.Join(o.CacheDir, "layers"),
	}
	key := imgbuild.Key("envoy", base.Key(), binKey, Upstream, layout)[:12]
	img := &Image{Ref: Repo + ":standin-" + key, Archive: filepath.Join(o.CacheDir, "archives", "envoy-"+key+".tar")}
	defer func() { img.Timings = steps.Timings() }()
	if imgbuild.HasStamp(img.Archive+".stamp", key) {
		img.Cached = true
		return img, steps.Run("envoy image "+img.Ref, func() (bool, error) { return true, nil })
	}
	root, err := base.Layer(ctx, steps)
	if err != nil {
		return nil, err
	}
	err = steps.Run("envoy image "+img.Ref, func() (bool, error) {
		l, err := imgbuild.NewLayer([]imgbuild.Entry{imgbuild.File("/usr/local/bin/envoy", bin, 0o755)})
		if err != nil {
			return false, err
		}
		i, err := imgbuild.NewImage(Config(), root, l)
		if err != nil {
			return false, err
		}
		if err := imgbuild.WriteArchive(img.Archive, map[string]v1.Image{img.Ref: i}); err != nil {
			return false, err
		}
		return false, imgbuild.WriteStamp(img.Archive+".stamp", key)
	})
	imgbuild.PruneKeyed(filepath.Join(o.CacheDir, "archives"), "envoy-", key, 2)
	return img, err
}

// Config is the image config: Envoy's images' default command (manifests give their own), and
// the labels saying the data plane is the stand-in and which image it takes the place of.
func Config() imgbuild.Config {
	return imgbuild.Config{
		Cmd: []string{"envoy", "-c", "/etc/envoy/envoy.yaml"}, WorkingDir: "/",
		Labels: map[string]string{standin.DataPlaneLabel: standin.DataPlane, StandsInForLabel: Upstream},
	}
}

// StandInFor is what a profile reports as its data plane's version: the stand-in, and the
// image it takes the place of.
func StandInFor(image string) string {
	return "drainproof-envoy-standin (L4) in place of " + strings.TrimPrefix(image, "docker.io/")
}
