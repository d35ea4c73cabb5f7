package airgap

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/drainproof/drainproof/harness/internal/imgbuild"
)

// prune removes what earlier builds with other keys left behind, so the cache does not grow
// with every change of inputs: keyed files in layers/, images/ and work/, and docker tags of
// other drainproof/base and drainproof/node builds. Images a container still uses are kept
// (docker refuses to remove them; that is not an error here). Of binaries, the current and the
// newest other build per tool are kept. Rootfs trees are kept (one per suite).
func (b *builder) prune(ctx context.Context) {
	keep := func(name string) bool { return strings.Contains(name, b.nodeKey) || strings.Contains(name, b.baseKey) }
	for _, d := range []string{"layers", "images", "work"} {
		ents, _ := os.ReadDir(filepath.Join(b.cache, d))
		for _, e := range ents {
			if !keep(e.Name()) {
				_ = os.RemoveAll(filepath.Join(b.cache, d, e.Name()))
			}
		}
	}
	// binaries: the current build's and the newest other one per tool (a version switch back
	// and forth stays cheap)
	b.mu.Lock()
	for name, key := range b.bins {
		imgbuild.PruneKeyed(filepath.Join(b.cache, "bin"), name+"-", key, 1)
	}
	b.mu.Unlock()
	out, err := imgbuild.Docker(ctx, "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=drainproof/base", "--filter", "reference=drainproof/node")
	if err != nil {
		return
	}
	current := map[string]bool{BaseImage(b.v, b.baseKey): true, NodeImage(b.v, b.nodeKey): true}
	for _, ref := range strings.Fields(out) {
		if !current[ref] {
			_, _ = imgbuild.Docker(ctx, "rmi", ref)
		}
	}
}
