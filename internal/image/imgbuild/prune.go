package imgbuild

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// PruneKeyed removes, in dir, the outputs named prefix+<key>... (with their ".stamp" files) of
// other keys than keep, except the newest extra ones: caches keyed by content would otherwise
// grow with every change. Call it while holding the cache's Lock. Errors are ignored: pruning
// is housekeeping, never a reason to fail a build.
func PruneKeyed(dir, prefix, keep string, extra int) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type group struct {
		base  string
		mtime int64
	}
	seen := map[string]*group{}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		base := strings.TrimSuffix(name, ".stamp")
		info, err := e.Info()
		if err != nil {
			continue
		}
		g := seen[base]
		if g == nil {
			g = &group{base: base}
			seen[base] = g
		}
		if t := info.ModTime().UnixNano(); t > g.mtime {
			g.mtime = t
		}
	}
	var others []*group
	for _, g := range seen {
		if !strings.Contains(g.base, keep) {
			others = append(others, g)
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].mtime > others[j].mtime })
	for i, g := range others {
		if i < extra {
			continue
		}
		_ = os.RemoveAll(filepath.Join(dir, g.base))
		_ = os.Remove(filepath.Join(dir, g.base+".stamp"))
	}
}
