package imgbuild

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// DefaultDebianMirror is used by Debootstrap unless $DRAINPROOF_DEBIAN_MIRROR names another.
const DefaultDebianMirror = "http://deb.debian.org/debian"

// DebianMirror is the apt mirror debootstrap downloads from.
func DebianMirror() string {
	if m := os.Getenv("DRAINPROOF_DEBIAN_MIRROR"); m != "" {
		return m
	}
	return DefaultDebianMirror
}

// Rootfs describes a debootstrap'ed Debian tree.
type Rootfs struct {
	Dir     string   // target directory (replaced when built)
	Suite   string   // e.g. bookworm
	Include []string // packages on top of minbase
}

// Key identifies the tree's inputs (the mirror is not an input: any mirror serves the same suite).
func (r Rootfs) Key() string {
	return Key("debootstrap", "minbase", r.Suite, strings.Join(r.Include, ","))
}

func (r Rootfs) stamp() string { return r.Dir + ".stamp" }

// Ensure debootstraps the tree unless a previous run already built it for the same inputs.
// It returns whether the tree was reused. debootstrap needs root and the Debian mirror.
func (r Rootfs) Ensure(ctx context.Context) (cached bool, err error) {
	if HasStamp(r.stamp(), r.Key()) {
		return true, nil
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return false, fmt.Errorf("debootstrap is not installed (apt-get install debootstrap): %w", err)
	}
	if err := os.RemoveAll(r.Dir); err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(r.Dir), 0o755); err != nil {
		return false, err
	}
	args := []string{"--variant=minbase"}
	if len(r.Include) > 0 {
		args = append(args, "--include="+strings.Join(r.Include, ","))
	}
	args = append(args, r.Suite, r.Dir, DebianMirror())
	if _, err := Run(ctx, nil, "debootstrap", args...); err != nil {
		return false, fmt.Errorf("debootstrap %s from %s (set DRAINPROOF_DEBIAN_MIRROR for another mirror): %w", r.Suite, DebianMirror(), err)
	}
	return false, WriteStamp(r.stamp(), r.Key())
}

// Chroot runs a shell script inside the tree.
func (r Rootfs) Chroot(ctx context.Context, script string) (string, error) {
	return Run(ctx, nil, "chroot", r.Dir, "/bin/sh", "-euc", script)
}

// DirLayer returns the layer for directory dir, cached as a gzipped tar at out: built with GNU tar
// (numeric owners, file capabilities kept) unless out's stamp already holds key.
func DirLayer(ctx context.Context, dir, out, key string, exclude ...string) (l v1.Layer, cached bool, err error) {
	if !HasStamp(out+".stamp", key) {
		if err := writeDirTar(ctx, dir, out, exclude); err != nil {
			return nil, false, err
		}
		if err := WriteStamp(out+".stamp", key); err != nil {
			return nil, false, err
		}
	} else {
		cached = true
	}
	l, err = tarball.LayerFromFile(out)
	return l, cached, err
}

func writeDirTar(ctx context.Context, dir, out string, exclude []string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(out), ".partial-"+filepath.Base(out))
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	args := []string{"--numeric-owner", "--xattrs", "--xattrs-include=security.capability"}
	for _, e := range exclude {
		args = append(args, "--exclude="+e)
	}
	args = append(args, "-C", dir, "-c", ".")
	cmd := exec.CommandContext(ctx, "tar", args...)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	_, copyErr := io.Copy(zw, pipe)
	closeErr := zw.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("tar %s: %v: %s", dir, err, stderr.String())
	}
	if copyErr != nil || closeErr != nil {
		return fmt.Errorf("compress %s: %v %v", dir, copyErr, closeErr)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), out)
}
