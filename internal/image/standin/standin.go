// Package standin builds drainproof's L4 Envoy stand-in (./fixtures/envoy-standin) for the
// images that put it where Envoy belongs (istio-proxy, envoy), and names the image label by
// which reports class such runs: a result on the stand-in is never a result on real Envoy.
package standin

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/drainproof/drainproof/internal/image/gobuild"
)

// Package is the stand-in's main package in the drainproof source tree.
const Package = "./fixtures/envoy-standin"

// The image config label saying what runs as Envoy in an image, and its value for the stand-in.
const (
	DataPlaneLabel = "io.drainproof.data-plane"
	DataPlane      = "Envoy stand-in (L4)"
)

// ErrMissing is returned (wrapped) when the source tree has no stand-in: an image that needs a
// data plane cannot be made, and nothing else may take its place.
var ErrMissing = errors.New("the L4 Envoy stand-in (" + Package + ") is not in the drainproof source tree " +
	"(no Envoy binary can be had here)")

// In reports whether the source tree src has the stand-in.
func In(src string) bool {
	_, err := os.Stat(filepath.Join(src, filepath.FromSlash(Package)))
	return err == nil
}

// Build builds the stand-in from src (or finds it in cache/bin) and returns the binary's path.
func Build(ctx context.Context, src, cache, goVersion string) (bin string, cached bool, err error) {
	if !In(src) {
		return "", false, ErrMissing
	}
	dir, _, cached, err := gobuild.Own{Name: "envoy-standin", Src: src, Packages: []string{Package}}.Ensure(ctx, cache, goVersion)
	if err != nil {
		return "", false, err
	}
	return filepath.Join(dir, "envoy-standin"), cached, nil
}
