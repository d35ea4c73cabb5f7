package imgbuild

import (
	"context"
	"path/filepath"
)

// Lane is one build lane's cache: a directory of keyed artifacts (a Go module's binaries, the
// images made from them) and the Go toolchain version every key there includes.
type Lane struct {
	Dir       string // the lane's cache directory
	GoVersion string // `go env GOVERSION`, part of every build key
}

// OpenLane resolves the lane's directory (dir, or <CacheRoot>/name when dir is empty), reads
// the Go version and takes the lane's lock, logging through steps while another process holds
// it. The caller defers unlock; until then no other drainproof process builds in the lane.
func OpenLane(ctx context.Context, dir, name string, steps *Steps) (lane Lane, unlock func(), err error) {
	if dir == "" {
		root, err := CacheRoot()
		if err != nil {
			return Lane{}, nil, err
		}
		dir = filepath.Join(root, name)
	}
	goVersion, err := GoVersion(ctx)
	if err != nil {
		return Lane{}, nil, err
	}
	unlock, err = Lock(ctx, filepath.Join(dir, ".lock"), func() {
		steps.Logf("waiting for another build using %s", dir)
	})
	if err != nil {
		return Lane{}, nil, err
	}
	return Lane{Dir: dir, GoVersion: goVersion}, unlock, nil
}
