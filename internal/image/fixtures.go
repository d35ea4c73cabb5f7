// Package image builds the container images drainproof deploys into clusters, in-process with
// go-containerregistry (no `docker build`, no registry):
//   - Fixtures: drainproof/fixtures:<content key>, FROM scratch, every main package under
//     ./fixtures/ as a static binary in /usr/local/bin.
//   - Gateway: drainproof/gateway:<suite>-<content key>, a Debian minbase rootfs with Debian's
//     haproxy and nginx-light, plus the fixture binaries (drainwait is the gateways' preStop helper).
//
// Each is written as a docker-archive tarball (Built.Archive) to load into kind nodes. Tags are
// content keys, never "latest", so pods use them with imagePullPolicy: IfNotPresent and the
// kubelet never tries to pull.
package image

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// Options configure the builders. The zero value uses the default cache and finds the source tree.
type Options struct {
	CacheDir  string    // zero: <imgbuild.CacheRoot()>/images
	SourceDir string    // the drainproof source tree; zero: imgbuild.ModuleRoot()
	Log       io.Writer // step log; nil: silent
	Suite     string    // Debian suite of the gateway image; zero: bookworm
}

// Built is an image written as a tarball.
type Built struct {
	Ref      string            // what pod specs use, e.g. drainproof/fixtures:0123abcd4567
	Archive  string            // docker-archive tarball holding Ref
	Cached   bool              // reused from the cache
	Binaries []string          // fixture programs in /usr/local/bin
	Timings  []imgbuild.Timing // per step
}

// FixturesRepo and GatewayRepo are the image repositories (tags are content keys).
const (
	FixturesRepo = "drainproof/fixtures"
	GatewayRepo  = "drainproof/gateway"
)

// FixturesRef is the fixtures image reference for a content key.
func FixturesRef(key string) string { return FixturesRepo + ":" + key }

// GatewayRef is the gateway image reference for a suite and content key.
func GatewayRef(suite, key string) string { return GatewayRepo + ":" + suite + "-" + key }

// archiveTag fully qualifies a Docker Hub-style reference: containerd's import records the name
// as written, and the kubelet looks images up by their normalised docker.io/... name.
func archiveTag(ref string) string {
	if first, _, ok := strings.Cut(ref, "/"); ok && !strings.ContainsAny(first, ".:") && first != "localhost" {
		return "docker.io/" + ref
	}
	return ref
}

type env struct {
	o         Options
	cache     string
	goVersion string
	steps     *imgbuild.Steps
}

func newEnv(ctx context.Context, o Options) (*env, error) {
	e := &env{o: o, cache: o.CacheDir, steps: &imgbuild.Steps{Out: o.Log, Prefix: "[images] "}}
	if e.o.Suite == "" {
		e.o.Suite = "bookworm"
	}
	var err error
	if e.cache == "" {
		root, err := imgbuild.CacheRoot()
		if err != nil {
			return nil, err
		}
		e.cache = filepath.Join(root, "images")
	}
	if e.o.SourceDir == "" {
		if e.o.SourceDir, err = imgbuild.ModuleRoot(); err != nil {
			return nil, err
		}
	}
	if e.goVersion, err = imgbuild.GoVersion(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// FixturePackages lists the main packages under ./fixtures in the source tree (whatever exists
// now: fixtures are added over time).
func FixturePackages(ctx context.Context, sourceDir string) ([]string, error) {
	if _, err := os.Stat(filepath.Join(sourceDir, "fixtures")); err != nil {
		return nil, fmt.Errorf("no fixtures directory in %s: %w", sourceDir, err)
	}
	cmd := exec.CommandContext(ctx, "go", "list", "-e", "-f", "{{.Name}} {{.ImportPath}}", "./fixtures/...")
	cmd.Dir = sourceDir
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list ./fixtures/... in %s: %w", sourceDir, err)
	}
	var pkgs []string
	for _, line := range strings.Split(string(out), "\n") {
		if name, path, ok := strings.Cut(line, " "); ok && name == "main" {
			pkgs = append(pkgs, path)
		}
	}
	sort.Strings(pkgs)
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("no main packages under %s/fixtures", sourceDir)
	}
	return pkgs, nil
}

// fixtureBinaries builds every fixture program (static, trimmed) into a directory keyed by
// their source, and returns it with the binary names.
func (e *env) fixtureBinaries(ctx context.Context) (dir, key string, names []string, err error) {
	pkgs, err := FixturePackages(ctx, e.o.SourceDir)
	if err != nil {
		return "", "", nil, err
	}
	src, err := imgbuild.SourceKey(ctx, e.o.SourceDir, pkgs...)
	if err != nil {
		return "", "", nil, err
	}
	key = imgbuild.Key("fixtures", strings.Join(pkgs, " "), src, e.goVersion)[:12]
	for _, p := range pkgs {
		names = append(names, filepath.Base(p))
	}
	dir = filepath.Join(e.cache, "bin", "fixtures-"+key)
	err = e.steps.Run("build fixtures ("+strings.Join(names, ", ")+")", func() (bool, error) {
		if imgbuild.HasStamp(filepath.Join(dir, ".stamp"), key) {
			return true, nil
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, err
		}
		args := append([]string{"build", "-trimpath", "-ldflags", "-s -w", "-o", dir + string(filepath.Separator)}, pkgs...)
		if _, err := runGo(ctx, e.o.SourceDir, args...); err != nil {
			return false, err
		}
		return false, imgbuild.WriteStamp(filepath.Join(dir, ".stamp"), key)
	})
	return dir, key, names, err
}

func runGo(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// fixtureEntries puts the fixture binaries in /usr/local/bin.
func fixtureEntries(dir string, names []string) []imgbuild.Entry {
	var es []imgbuild.Entry
	for _, n := range names {
		es = append(es, imgbuild.File("/usr/local/bin/"+n, filepath.Join(dir, n), 0o755))
	}
	return es
}

// scratchBasics are what a FROM-scratch image of Go programs needs besides the programs: a
// writable /tmp, CA certificates, and passwd/group files so user lookups work.
func scratchBasics() []imgbuild.Entry {
	es := []imgbuild.Entry{
		imgbuild.Dir("/tmp", 0o777|os.ModeSticky),
		imgbuild.Bytes("/etc/passwd", []byte("root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"), 0o644),
		imgbuild.Bytes("/etc/group", []byte("root:x:0:\nnogroup:x:65534:\n"), 0o644),
	}
	if _, err := os.Stat("/etc/ssl/certs/ca-certificates.crt"); err == nil {
		es = append(es, imgbuild.File("/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs/ca-certificates.crt", 0o644))
	}
	return es
}

// lock serialises builders sharing the cache directory (other processes included).
func (e *env) lock(ctx context.Context) (func(), error) {
	return imgbuild.Lock(ctx, filepath.Join(e.cache, ".lock"), func() {
		e.steps.Logf("waiting for another build using %s", e.cache)
	})
}

// fixtureSet is the fixture binaries every image carries, built for one source tree.
type fixtureSet struct {
	dir   string   // where the binaries are
	key   string   // their cache key (source, Go version, flags)
	names []string // binary names, as installed in /usr/local/bin
}

// startBuild is the common start of every image build: the environment for o,
// the cache lock (held until the caller calls unlock) and the fixture
// binaries, built or reused. On error nothing is held.
func startBuild(ctx context.Context, o Options) (e *env, unlock func(), fix fixtureSet, err error) {
	if e, err = newEnv(ctx, o); err != nil {
		return nil, nil, fixtureSet{}, err
	}
	if unlock, err = e.lock(ctx); err != nil {
		return nil, nil, fixtureSet{}, err
	}
	if fix.dir, fix.key, fix.names, err = e.fixtureBinaries(ctx); err != nil {
		unlock()
		return nil, nil, fixtureSet{}, err
	}
	return e, unlock, fix, nil
}

// writeImage writes one image of layers as b.Archive, tagged b.Ref, and then
// its stamp with key: a stamped archive is complete and matches key's inputs.
func writeImage(b *Built, key string, layers ...v1.Layer) error {
	img, err := imgbuild.NewImage(imgbuild.Config{WorkingDir: "/"}, layers...)
	if err != nil {
		return err
	}
	if err := imgbuild.WriteArchive(b.Archive, map[string]v1.Image{archiveTag(b.Ref): img}); err != nil {
		return err
	}
	return imgbuild.WriteStamp(b.Archive+".stamp", key)
}

// Fixtures builds (or reuses) the fixtures image tarball.
func Fixtures(ctx context.Context, o Options) (*Built, error) {
	e, unlock, fix, err := startBuild(ctx, o)
	if err != nil {
		return nil, err
	}
	defer unlock()
	key := fix.key
	b := &Built{Ref: FixturesRef(key), Archive: filepath.Join(e.cache, "archives", "fixtures-"+key+".tar"), Binaries: fix.names}
	err = e.steps.Run("fixtures image "+b.Ref, func() (bool, error) {
		if imgbuild.HasStamp(b.Archive+".stamp", key) {
			return true, nil
		}
		l, err := imgbuild.NewLayer(append(scratchBasics(), fixtureEntries(fix.dir, fix.names)...))
		if err != nil {
			return false, err
		}
		return false, writeImage(b, key, l)
	})
	if err != nil {
		return nil, err
	}
	b.Timings = e.steps.Timings()
	b.Cached = allCached(b.Timings)
	if !b.Cached {
		imgbuild.PruneKeyed(filepath.Join(e.cache, "archives"), "fixtures-", key, 2)
		imgbuild.PruneKeyed(filepath.Join(e.cache, "bin"), "fixtures-", key, 2)
	}
	return b, nil
}

func allCached(ts []imgbuild.Timing) bool {
	for _, t := range ts {
		if !t.Cached {
			return false
		}
	}
	return true
}
