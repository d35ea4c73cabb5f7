package imgbuild

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// DefaultPath is the PATH set in every image we build.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Config is the part of an image config our builders set.
type Config struct {
	Entrypoint []string
	Cmd        []string
	Env        []string // PATH=DefaultPath is added unless a PATH is given
	WorkingDir string
	StopSignal string
	User       string // e.g. "1337:1337" (numeric, so runAsNonRoot can check it); empty: root
	Labels     map[string]string
}

// NewImage stacks layers on an empty (FROM scratch) image for linux/amd64 with cfg.
func NewImage(cfg Config, layers ...v1.Layer) (v1.Image, error) {
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Created = v1.Time{Time: Epoch}
	env := cfg.Env
	hasPath := false
	for _, e := range env {
		hasPath = hasPath || strings.HasPrefix(e, "PATH=")
	}
	if !hasPath {
		env = append([]string{"PATH=" + DefaultPath}, env...)
	}
	cf.Config = v1.Config{
		Entrypoint: cfg.Entrypoint,
		Cmd:        cfg.Cmd,
		Env:        env,
		WorkingDir: cfg.WorkingDir,
		StopSignal: cfg.StopSignal,
		User:       cfg.User,
		Labels:     cfg.Labels,
	}
	return mutate.ConfigFile(img, cf)
}

// ParseRef parses an image reference for an archive tag. References must name a tag that is not
// "latest": our images are loaded into nodes and used with imagePullPolicy IfNotPresent, and a
// kubelet always tries to pull ":latest".
func ParseRef(ref string) (name.Tag, error) {
	t, err := name.NewTag(ref, name.WeakValidation)
	if err != nil {
		return name.Tag{}, fmt.Errorf("image reference %q: %w", ref, err)
	}
	if t.TagStr() == "latest" {
		return name.Tag{}, fmt.Errorf("image reference %q: tag latest would make kubelet pull it; use a content tag", ref)
	}
	return t, nil
}

// WriteArchive writes images as one docker-archive tarball (what `docker load` and
// `ctr images import` read) to path, atomically (a partial file never has the final name).
func WriteArchive(path string, images map[string]v1.Image) error {
	refs := map[name.Reference]v1.Image{}
	for ref, img := range images {
		t, err := ParseRef(ref)
		if err != nil {
			return err
		}
		refs[t] = img
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".partial-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tarball.MultiRefWrite(refs, tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write image archive %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// WriteArchiveTo streams images as a docker-archive tarball to w (e.g. `docker load` stdin).
func WriteArchiveTo(w io.Writer, images map[string]v1.Image) error {
	refs := map[name.Reference]v1.Image{}
	for ref, img := range images {
		t, err := ParseRef(ref)
		if err != nil {
			return err
		}
		refs[t] = img
	}
	return tarball.MultiRefWrite(refs, w)
}

// Archived is one built image, written as a docker-archive tarball (the form kind loads into
// nodes). Every build lane returns its images as this one type.
type Archived struct {
	Ref     string // a content tag, never latest, e.g. drainproof/istiod:1.31-<key>
	Archive string // docker-archive tarball holding Ref
	Cached  bool   // found in the lane's cache, not built by this call
}

// Renamed is a copy of a under ref: the same image as delivered elsewhere (pushed to a
// registry). A nil a, an empty ref or a's own ref give a itself.
func (a *Archived) Renamed(ref string) *Archived {
	if a == nil || ref == "" || ref == a.Ref {
		return a
	}
	c := *a
	c.Ref = ref
	return &c
}
