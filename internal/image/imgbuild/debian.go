package imgbuild

import (
	"context"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// DebianBase is the bottom layer of an image made from Debian packages: a debootstrap'ed
// tree (Tree), a cleanup script run once in it, and the tree as one cached gzipped tar.
// The gateway, istio-proxy and envoy images all start from one.
type DebianBase struct {
	Name      string // names the steps and the cached layer, e.g. "gateway"
	Tree      Rootfs
	Cleanup   string // shell script run in the tree (chroot) once per Key; idempotent
	LayersDir string // where the layer is cached as <Name>-<Key>.tar.gz
}

// Key names the base's inputs: suite, packages and cleanup script.
func (d DebianBase) Key() string { return Key(d.Name+"-rootfs", d.Tree.Key(), d.Cleanup)[:12] }

// Layer debootstraps the tree and runs its cleanup unless already done for Key, and returns
// it as a layer, each part a step on s. Older layers of the same Name are pruned.
func (d DebianBase) Layer(ctx context.Context, s *Steps) (v1.Layer, error) {
	key := d.Key()
	if err := s.Run("debootstrap "+d.Name+" rootfs ("+strings.Join(d.Tree.Include, ", ")+")", func() (bool, error) {
		return d.Tree.Ensure(ctx)
	}); err != nil {
		return nil, err
	}
	var layer v1.Layer
	err := s.Run(d.Name+" rootfs layer", func() (bool, error) {
		stamp := d.Tree.Dir + ".cleanup.stamp"
		if !HasStamp(stamp, key) {
			if _, err := d.Tree.Chroot(ctx, d.Cleanup); err != nil {
				return false, err
			}
			if err := WriteStamp(stamp, key); err != nil {
				return false, err
			}
		}
		l, cached, err := DirLayer(ctx, d.Tree.Dir, filepath.Join(d.LayersDir, d.Name+"-"+key+".tar.gz"), key)
		layer = l
		return cached, err
	})
	if err != nil {
		return nil, err
	}
	PruneKeyed(d.LayersDir, d.Name+"-", key, 1)
	return layer, nil
}
