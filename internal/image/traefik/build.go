// Package traefik builds the traefik proxy from its Go module, github.com/traefik/traefik/v3 at a
// pinned release, through a throw-away wrapper module (internal/image/gobuild) — never through
// drainproof's go.mod — and makes an image of it on top of the gateway image.
//
// traefik builds only as the main module: its go.mod replaces gorilla/mux, go-http-auth and
// minheap with traefik's own forks and excludes a tencentcloud SDK version. The wrapper restates
// those lines, read from the module's go.mod in the Go module cache at build time.
package traefik

import (
	"context"
	"io"
	"path/filepath"
	"strings"

	"github.com/drainproof/drainproof/internal/image/gobuild"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// The pinned traefik module. v3.7.x needs modules this proxy refuses.
const (
	Module  = "github.com/traefik/traefik/v3"
	Version = "v3.6.12"
	Package = Module + "/cmd/traefik"
)

// Options configure Build.
type Options struct {
	CacheDir string    // zero: <imgbuild.CacheRoot()>/traefik
	Log      io.Writer // step log; nil: silent
	// GoParallel is go build's -p (0: one per core); traefik's cold build peaks near 3 GB.
	GoParallel int
}

// Binary is a built traefik.
type Binary struct {
	Path    string // the static linux/amd64 binary
	Key     string // its build key (module graph, flags, Go version)
	Cached  bool
	Timings []imgbuild.Timing
}

// Build builds (or reuses) the traefik binary. The first build compiles traefik and its
// dependencies (minutes, about 3 GB of memory); later builds with the same inputs are a stamp
// check.
func Build(ctx context.Context, o Options) (*Binary, error) {
	steps := &imgbuild.Steps{Out: o.Log, Prefix: "[traefik] "}
	lane, unlock, err := imgbuild.OpenLane(ctx, o.CacheDir, "traefik", steps)
	if err != nil {
		return nil, err
	}
	defer unlock()
	cache, goVersion := lane.Dir, lane.GoVersion
	_, goMod, err := gobuildModuleInfo(ctx, filepath.Join(cache, "scratch"))
	if err != nil {
		return nil, err
	}
	t, err := tool(goMod, o.GoParallel)
	if err != nil {
		return nil, err
	}
	b := &Binary{Key: t.Key(goVersion)}
	if err := steps.Run("build traefik "+Version, func() (cached bool, err error) {
		var dir string
		dir, cached, err = t.Ensure(ctx, cache, goVersion)
		b.Path = filepath.Join(dir, "traefik")
		return cached, err
	}); err != nil {
		return nil, err
	}
	b.Timings = steps.Timings()
	b.Cached = b.Timings[0].Cached
	imgbuild.PruneKeyed(filepath.Join(cache, "bin"), "traefik-", b.Key, 1)
	return b, nil
}

// tool is the traefik build: the wrapper module with the module's own replace and exclude lines
// (from goMod, its go.mod in the module cache) and traefik's release ldflags.
func tool(goMod string, parallel int) (gobuild.Tool, error) {
	d, err := gobuild.ReadMainDirectives(goMod)
	if err != nil {
		return gobuild.Tool{}, err
	}
	w := d.Wrapper("drainproof.local/build/traefik", Module, Version, Package)
	return gobuild.Tool{Name: "traefik", Wrapper: w, LDFlags: ldflags(), Binary: "traefik", Parallel: parallel}, nil
}

// ldflags are traefik's Makefile's: stripped, with the version stamped in pkg/version (what
// `traefik version` and its start-up log print).
func ldflags() string {
	return strings.Join([]string{"-s", "-w", "-X", Module + "/pkg/version.Version=" + Version}, " ")
}

// gobuildModuleInfo is the pinned module's directory and go.mod in the module cache.
func gobuildModuleInfo(ctx context.Context, scratch string) (dir, goMod string, err error) {
	return gobuild.ModuleInfo(ctx, scratch, Module, Version)
}
