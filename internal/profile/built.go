package profile

import (
	"fmt"
	"strings"
	"sync"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// lastBuild is what a built profile's Images made, kept for its Install and Charts. The run
// engine calls Images before Install on every run, so Install finding nothing is a
// programming error, and Install refuses an image table that names other images than the
// build (a table edited between the two would install images nobody built). A built image
// delivered to a registry keeps its name and tag under the registry's repository
// (registry.Push), so the table may name it there.
type lastBuild[T any] struct {
	mu sync.Mutex
	b  *T
}

func (l *lastBuild[T]) set(b *T) { l.mu.Lock(); l.b = b; l.mu.Unlock() }

// get is the last build, nil before the first Images.
func (l *lastBuild[T]) get() *T { l.mu.Lock(); defer l.mu.Unlock(); return l.b }

// forInstall is the last build when the run's image table names the built images, as built
// or as delivered to a registry (want: image name → the built image). The caller installs a
// copy under the table's refs (the builds' OnCluster).
func (l *lastBuild[T]) forInstall(profile string, table map[string]string, want func(*T) map[string]*imgbuild.Archived) (*T, error) {
	b := l.get()
	if b == nil {
		return nil, fmt.Errorf("%s: Install before Images", profile)
	}
	for name, img := range want(b) {
		if !deliveredAs(img.Ref, table[name]) {
			return nil, fmt.Errorf("%s: image table names %s=%q, the build made %q", profile, name, table[name], img.Ref)
		}
	}
	return b, nil
}

// deliveredAs says whether ref names the image built as built: the same ref, or the same last
// path element and tag under another registry repository (registry.Push's naming).
func deliveredAs(built, ref string) bool {
	if ref == built {
		return true
	}
	tail := func(s string) string { return s[strings.LastIndex(s, "/")+1:] }
	return ref != "" && strings.Contains(ref, "/") && tail(ref) == tail(built)
}

// tableOf is a build's images as image-table entries.
func tableOf(imgs map[string]*imgbuild.Archived) map[string]*image.Built {
	out := make(map[string]*image.Built, len(imgs))
	for name, img := range imgs {
		out[name] = &image.Built{Ref: img.Ref, Archive: img.Archive, Cached: img.Cached}
	}
	return out
}
