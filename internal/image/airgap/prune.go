package airgap

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// prune removes what earlier builds with other keys left behind, so the cache does not grow
// with every change of inputs. Node images are kept per Kubernetes version (a matrix holds
// several side by side): of each version the current build's and the most recently used
// other one stay (another checkout building the same version with other sources keeps its
// image), the rest go; base images likewise per Debian suite. Keyed files in layers/, images/
// and work/ go unless they belong to an image that stays. Images a container still uses are kept
// (docker refuses to remove them; that is not an error here). Of binaries, the current and the
// newest other build per tool are kept. Rootfs trees are kept (one per suite).
func (b *builder) prune(ctx context.Context) {
	b.mu.Lock()
	for name, key := range b.bins {
		imgbuild.PruneKeyed(filepath.Join(b.cache, "bin"), name+"-", key, 1)
	}
	b.mu.Unlock()
	out, err := imgbuild.Docker(ctx, "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=drainproof/base", "--filter", "reference=drainproof/node")
	if err != nil {
		return
	}
	var imgs []builtImage
	for _, ref := range strings.Fields(out) {
		imgs = append(imgs, builtImage{Ref: ref, Used: b.lastUsed(ref)})
	}
	current := map[string]bool{BaseImage(b.v, b.baseKey): true, NodeImage(b.v, b.nodeKey): true}
	remove, keepKeys := pruneImages(current, imgs)
	for _, ref := range remove {
		_, _ = imgbuild.Docker(ctx, "rmi", ref)
	}
	keepKeys = append(keepKeys, b.nodeKey, b.baseKey)
	keep := func(name string) bool {
		for _, k := range keepKeys {
			if strings.Contains(name, k) {
				return true
			}
		}
		return false
	}
	for _, d := range []string{"layers", "images", "work"} {
		ents, _ := os.ReadDir(filepath.Join(b.cache, d))
		for _, e := range ents {
			if !keep(e.Name()) {
				_ = os.RemoveAll(filepath.Join(b.cache, d, e.Name()))
			}
		}
	}
}

// builtImage is a drainproof/node or drainproof/base tag and when a build last made or reused it
// (the images' own creation time is fixed for reproducibility, and docker load records no tag
// time, so BuildNodeImage keeps its own marks: zero for images it never marked).
type builtImage struct {
	Ref  string // drainproof/node:v1.33.13-<key>, drainproof/base:bookworm-<key>
	Used time.Time
}

// markUsed records that ref was just built or reused (the mtime of a file under <cache>/used).
func (b *builder) markUsed(ref string) {
	p := b.usedMark(ref)
	if os.MkdirAll(filepath.Dir(p), 0o755) == nil {
		_ = os.WriteFile(p, nil, 0o644)
		now := time.Now()
		_ = os.Chtimes(p, now, now)
	}
}

func (b *builder) lastUsed(ref string) time.Time {
	st, err := os.Stat(b.usedMark(ref))
	if err != nil {
		return time.Time{}
	}
	return st.ModTime()
}

func (b *builder) usedMark(ref string) string {
	return filepath.Join(b.cache, "used", strings.NewReplacer("/", "_", ":", "_").Replace(ref))
}

// group is what an image is kept per (repository and Kubernetes version or Debian suite), and
// key its cache key: the tag is "<group part>-<key>".
func (i builtImage) group() (group, key string) {
	i1 := strings.LastIndex(i.Ref, "-")
	if i1 < 0 {
		return i.Ref, ""
	}
	return i.Ref[:i1], i.Ref[i1+1:]
}

// pruneImages decides which images go: per group, everything but the current image and the most
// recently used other one. keepKeys are the cache keys of the images that stay.
func pruneImages(current map[string]bool, imgs []builtImage) (remove, keepKeys []string) {
	byGroup := map[string][]builtImage{}
	for _, i := range imgs {
		g, _ := i.group()
		byGroup[g] = append(byGroup[g], i)
	}
	for _, g := range sortedGroups(byGroup) {
		others := 0
		list := byGroup[g]
		sort.SliceStable(list, func(a, b int) bool { return list[a].Used.After(list[b].Used) })
		for _, i := range list {
			_, key := i.group()
			switch {
			case current[i.Ref]:
				keepKeys = append(keepKeys, key)
			case others == 0:
				others++
				keepKeys = append(keepKeys, key)
			default:
				remove = append(remove, i.Ref)
			}
		}
	}
	return remove, keepKeys
}

func sortedGroups(m map[string][]builtImage) []string {
	var gs []string
	for g := range m {
		gs = append(gs, g)
	}
	sort.Strings(gs)
	return gs
}
