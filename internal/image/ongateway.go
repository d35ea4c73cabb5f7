package image

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// OnGateway builds (or reuses) repo:<suite>-<key>: the gateway image (Debian with haproxy, nginx
// and the fixtures, so bash and drainwait are at hand for probes and preStops) plus files in one
// more layer. It is how a gateway program built elsewhere (traefik from its Go module) becomes an
// image without a rootfs of its own. files maps an absolute path in the image to a host file
// (installed 0755); filesKey identifies their content (the caller's build key), so the image is
// rebuilt exactly when the gateway image or the files change.
func OnGateway(ctx context.Context, o Options, repo, filesKey string, files map[string]string) (*Built, error) {
	if len(files) == 0 || filesKey == "" {
		return nil, fmt.Errorf("image %s: no files (or no key for them)", repo)
	}
	gw, err := Gateway(ctx, o)
	if err != nil {
		return nil, err
	}
	e, err := newEnv(ctx, o)
	if err != nil {
		return nil, err
	}
	unlock, err := e.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	key := imgbuild.Key(repo, gw.Ref, filesKey)[:12]
	base := path.Base(repo)
	b := &Built{Ref: repo + ":" + e.o.Suite + "-" + key, Archive: filepath.Join(e.cache, "archives", base+"-"+key+".tar"), Binaries: gw.Binaries}
	err = e.steps.Run(base+" image "+b.Ref, func() (bool, error) {
		if imgbuild.HasStamp(b.Archive+".stamp", key) {
			return true, nil
		}
		return false, writeOnGateway(gw, b, key, files)
	})
	if err != nil {
		return nil, err
	}
	b.Timings = append(gw.Timings, e.steps.Timings()...)
	b.Cached = allCached(e.steps.Timings())
	if !b.Cached {
		imgbuild.PruneKeyed(filepath.Join(e.cache, "archives"), base+"-", key, 1)
	}
	return b, nil
}

func writeOnGateway(gw, b *Built, key string, files map[string]string) error {
	tag, err := imgbuild.ParseRef(archiveTag(gw.Ref))
	if err != nil {
		return err
	}
	img, err := tarball.ImageFromPath(gw.Archive, &tag)
	if err != nil {
		return fmt.Errorf("read gateway image %s: %w", gw.Archive, err)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var es []imgbuild.Entry
	for _, p := range paths {
		es = append(es, imgbuild.File(p, files[p], 0o755))
	}
	l, err := imgbuild.NewLayer(es)
	if err != nil {
		return err
	}
	if img, err = mutate.AppendLayers(img, l); err != nil {
		return err
	}
	if err := imgbuild.WriteArchive(b.Archive, map[string]v1.Image{archiveTag(b.Ref): img}); err != nil {
		return err
	}
	return imgbuild.WriteStamp(b.Archive+".stamp", key)
}
