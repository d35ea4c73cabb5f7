package gobuild

import (
	"context"
	"os"
	"path/filepath"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// Own is a set of main packages of the drainproof module itself (pause, the Envoy stand-in, ...),
// built static and trimmed from the source tree Src.
type Own struct {
	Name     string   // cache name
	Src      string   // the drainproof source tree
	Packages []string // e.g. ./fixtures/envoy-standin
}

// Key hashes the packages' own source (imgbuild.SourceKey), the name and the Go version.
func (o Own) Key(ctx context.Context, goVersion string) (string, error) {
	src, err := imgbuild.SourceKey(ctx, o.Src, o.Packages...)
	if err != nil {
		return "", err
	}
	return imgbuild.Key(o.Name, src, goVersion), nil
}

// Ensure builds the packages into <cache>/bin/<name>-<key>/ unless already there.
func (o Own) Ensure(ctx context.Context, cache, goVersion string) (dir, key string, cached bool, err error) {
	if key, err = o.Key(ctx, goVersion); err != nil {
		return "", "", false, err
	}
	dir = filepath.Join(cache, "bin", o.Name+"-"+key)
	stamp := filepath.Join(dir, ".stamp")
	if imgbuild.HasStamp(stamp, key) {
		return dir, key, true, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", false, err
	}
	args := append([]string{"build", "-trimpath", "-ldflags", "-s -w", "-o", dir + string(filepath.Separator)}, o.Packages...)
	if err := Cmd(ctx, o.Src, args...); err != nil {
		return "", "", false, err
	}
	return dir, key, false, imgbuild.WriteStamp(stamp, key)
}
