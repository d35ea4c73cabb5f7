package profile

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Releaser is a profile with a registry mode: at an upstream release it runs that release's
// own images (pulled by the nodes from a registry) instead of building anything.
type Releaser interface {
	Profile
	// AtRelease is the profile at version, its images named under hub ("": DefaultHub).
	// version and hub are valid (CheckVersion, CheckHub).
	AtRelease(version, hub string) Profile
	// DefaultHub is where the release's images are published (docker.io/istio).
	DefaultHub() string
}

// Released is a profile at an upstream release (what Releaser.AtRelease returns).
type Released interface {
	Release() string // the upstream version, e.g. 1.26.3
	Hub() string     // where its images come from, e.g. docker.io/istio
}

// Selection says which upstream release each profile's runs use. A profile it does not name
// runs as built here (air-gapped); its zero value selects nothing.
type Selection struct {
	Versions map[string]string // profile → upstream version ("istio" → "1.26.3")
	// Hub is HOST/REPO serving every selected release's images (a mirror); "": each
	// profile's DefaultHub.
	Hub string
}

// Profile is the named profile as s selects it: at its release, or as built here.
func (s Selection) Profile(name string) (Profile, error) {
	p, err := Get(name)
	if err != nil {
		return nil, err
	}
	v := s.Versions[p.Name()]
	if v == "" {
		return p, nil
	}
	r, ok := p.(Releaser)
	if !ok {
		return nil, fmt.Errorf("profile %s has no registry mode (profiles with one: %s)", p.Name(), strings.Join(ReleaserNames(), ", "))
	}
	return r.AtRelease(v, s.Hub), nil
}

// ReleaserNames lists the profiles with a registry mode, sorted.
func ReleaserNames() []string {
	var out []string
	for n, p := range registry {
		if _, ok := p.(Releaser); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// versionRE is an upstream release as image tags name it: MAJOR.MINOR.PATCH with an optional
// pre-release (1.26.3, 1.27.0-beta.1); no leading v (Istio's tags have none).
var versionRE = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z][0-9A-Za-z.-]*)?$`)

// CheckVersion fails unless v is a release version (see versionRE).
func CheckVersion(v string) error {
	if !versionRE.MatchString(v) {
		return fmt.Errorf("%q is not a release version MAJOR.MINOR.PATCH[-PRERELEASE] (e.g. 1.26.3)", v)
	}
	return nil
}

// CheckHub fails unless hub is HOST/REPO (or HOST[:PORT]/PATH) an image can be named under.
func CheckHub(hub string) error {
	if hub == "" || strings.HasSuffix(hub, "/") || !strings.Contains(hub, "/") {
		return fmt.Errorf("%q is not HOST/REPO (e.g. docker.io/istio, mirror.example:5000/istio)", hub)
	}
	if _, err := name.NewRepository(hub + "/probe"); err != nil {
		return fmt.Errorf("%q is not HOST/REPO: %v", hub, err)
	}
	return nil
}

// ParseVersions reads profile=version terms (a flag's list): every profile known and with a
// registry mode, every version valid. A profile given twice with two versions is kept in
// order (a matrix runs one cell per version); the same pair twice is an error.
func ParseVersions(terms []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, t := range terms {
		prof, v, ok := strings.Cut(strings.TrimSpace(t), "=")
		if !ok || prof == "" || v == "" {
			return nil, fmt.Errorf("%q: want PROFILE=VERSION (e.g. istio=1.26.3)", t)
		}
		if err := CheckReleaseOf(prof, v); err != nil {
			return nil, err
		}
		for _, seen := range out[prof] {
			if seen == v {
				return nil, fmt.Errorf("%s=%s given twice", prof, v)
			}
		}
		out[prof] = append(out[prof], v)
	}
	return out, nil
}

// CheckReleaseOf fails unless prof is a known profile with a registry mode and v a version.
func CheckReleaseOf(prof, v string) error {
	p, err := Get(prof)
	if err != nil || prof == "" {
		return fmt.Errorf("profile %q: unknown (known: %s)", prof, strings.Join(Names(), ", "))
	}
	if _, ok := p.(Releaser); !ok {
		return fmt.Errorf("profile %s has no registry mode (profiles with one: %s)", prof, strings.Join(ReleaserNames(), ", "))
	}
	if err := CheckVersion(v); err != nil {
		return fmt.Errorf("profile %s: %v", prof, err)
	}
	return nil
}

// ensureKey is Ensure's memo key of p on a cluster: its name and, at a release, the release
// and where its images come from.
func ensureKey(cluster string, p Profile) string {
	k := cluster + "/" + p.Name()
	if r, ok := p.(Released); ok {
		k += "@" + r.Hub() + ":" + r.Release()
	}
	return k
}
