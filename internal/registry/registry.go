// Package registry pushes drainproof's built images (docker-archive tarballs,
// see image.Built) to a container registry with go-containerregistry, for
// clusters whose nodes pull images instead of having them loaded (a cluster
// drainproof did not create). Two layouts:
//
//   - Push: under a repository the user names, REPO/<image>:<tag>
//     (drainproof/fixtures:KEY → REPO/fixtures:KEY); pods name the pushed refs.
//   - PushMirror: under the images' own repository paths on a registry the
//     nodes use as a mirror of docker.io (drainproof/fixtures:KEY →
//     HOST/drainproof/fixtures:KEY); pods keep naming the upstream refs.
//
// Tags stay the content keys the images were built with, so a pushed ref
// names exactly one build.
package registry

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/drainproof/drainproof/internal/image"
)

// ParseRepo checks a --registry value: HOST[:PORT]/PATH with an explicit
// registry host (a bare "drainproof/x" would silently mean Docker Hub).
func ParseRepo(s string) (name.Repository, error) {
	first, _, ok := strings.Cut(s, "/")
	if !ok || !explicitHost(first) {
		return name.Repository{}, fmt.Errorf("%q: want HOST[:PORT]/REPO with an explicit registry host (e.g. registry.example.com/drainproof)", s)
	}
	r, err := name.NewRepository(s, name.StrictValidation)
	if err != nil {
		return name.Repository{}, fmt.Errorf("%q: %w", s, err)
	}
	return r, nil
}

// ParseHost checks a registry host (HOST[:PORT]) for PushMirror.
func ParseHost(s string) (name.Registry, error) {
	if !explicitHost(s) {
		return name.Registry{}, fmt.Errorf("%q: want a registry HOST[:PORT] (with a dot, a port or localhost)", s)
	}
	r, err := name.NewRegistry(s, name.StrictValidation)
	if err != nil {
		return name.Registry{}, fmt.Errorf("%q: %w", s, err)
	}
	return r, nil
}

// explicitHost is Docker's rule for a reference's first component being a
// registry rather than a Docker Hub namespace.
func explicitHost(s string) bool {
	return strings.ContainsAny(s, ".:") || s == "localhost"
}

// Pushed is one image written to a registry.
type Pushed struct {
	Ref    string // what pod specs name
	Target string // where it was written (differs from Ref for a mirror)
	Digest string // the manifest digest the registry holds (sha256:...)
}

// Push writes b to repo as REPO/<last path element of b.Ref>:<tag>.
func Push(ctx context.Context, b *image.Built, repo name.Repository) (Pushed, error) {
	src, err := name.NewTag(b.Ref)
	if err != nil {
		return Pushed{}, fmt.Errorf("built image %s: %w", b.Ref, err)
	}
	path := src.RepositoryStr()
	path = path[strings.LastIndex(path, "/")+1:]
	dst := repo.Registry.Repo(strings.Trim(repo.RepositoryStr()+"/"+path, "/")).Tag(src.TagStr())
	return write(ctx, b, dst, dst.String())
}

// PushMirror writes b to host under its own repository path and tag, as a
// docker.io mirror serves it; pods keep naming b.Ref.
func PushMirror(ctx context.Context, b *image.Built, host name.Registry) (Pushed, error) {
	src, err := name.NewTag(b.Ref)
	if err != nil {
		return Pushed{}, fmt.Errorf("built image %s: %w", b.Ref, err)
	}
	if src.RegistryStr() != name.DefaultRegistry {
		return Pushed{}, fmt.Errorf("built image %s: a docker.io mirror serves docker.io names only", b.Ref)
	}
	return write(ctx, b, host.Repo(src.RepositoryStr()).Tag(src.TagStr()), b.Ref)
}

func write(ctx context.Context, b *image.Built, dst name.Tag, ref string) (Pushed, error) {
	img, err := tarball.ImageFromPath(b.Archive, nil)
	if err != nil {
		return Pushed{}, fmt.Errorf("read %s: %w", b.Archive, err)
	}
	d, err := img.Digest()
	if err != nil {
		return Pushed{}, fmt.Errorf("digest of %s: %w", b.Ref, err)
	}
	// Credentials as docker and crane find them (~/.docker/config.json,
	// credential helpers); anonymous when there are none.
	if err := remote.Write(dst, img, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
		return Pushed{}, fmt.Errorf("push %s to %s: %w", b.Ref, dst, err)
	}
	return Pushed{Ref: ref, Target: dst.String(), Digest: d.String()}, nil
}
