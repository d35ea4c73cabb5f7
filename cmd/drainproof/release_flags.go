package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/profile"
)

// releaseFlags select registry mode: profiles run at upstream releases (their own images,
// pulled by the nodes) instead of building them here. --istio-version V is
// --profile-version istio=V; both take lists (a matrix makes a cell per version).
type releaseFlags struct {
	versions, istio []string
	hub             string
}

func (r *releaseFlags) register(fs *pflag.FlagSet, many bool) {
	what := "`PROFILE=VERSION`: run PROFILE at that upstream release, with the release's own images pulled from --image-registry, instead of building it here (profiles with a registry mode: " + strings.Join(profile.ReleaserNames(), ", ") + ")"
	if many {
		what += "; several, comma-separated or repeated, make one matrix column per version"
	}
	fs.StringSliceVar(&r.versions, "profile-version", nil, what)
	fs.StringSliceVar(&r.istio, "istio-version", nil, "Istio release `VERSION` (e.g. 1.26.3): --profile-version istio=VERSION")
	fs.StringVar(&r.hub, "image-registry", "", "`HOST/REPO` serving the selected releases' images, e.g. a mirror (default each profile's hub: istio's "+defaultHub("istio")+")")
}

func defaultHub(prof string) string {
	p, err := profile.Get(prof)
	if err != nil {
		return ""
	}
	if r, ok := p.(profile.Releaser); ok {
		return r.DefaultHub()
	}
	return ""
}

// parsed is the flags' selection: profile → versions in the order given, and the flag each
// profile's versions came from (for messages). Every error names its flag.
func (r *releaseFlags) parsed() (map[string][]string, map[string]string, error) {
	out, from := map[string][]string{}, map[string]string{}
	add := func(flag string, terms []string) error {
		m, err := profile.ParseVersions(terms)
		if err != nil {
			return usagef("%s: %v", flag, err)
		}
		for prof, vs := range m {
			for _, v := range vs {
				for _, seen := range out[prof] {
					if seen == v {
						return usagef("%s: %s=%s given twice (--istio-version V is --profile-version istio=V)", flag, prof, v)
					}
				}
				out[prof] = append(out[prof], v)
			}
			from[prof] = flag
		}
		return nil
	}
	if err := add("--profile-version", r.versions); err != nil {
		return nil, nil, err
	}
	istio := make([]string, len(r.istio))
	for i, v := range r.istio {
		istio[i] = "istio=" + v
	}
	if err := add("--istio-version", istio); err != nil {
		return nil, nil, err
	}
	if r.hub != "" {
		if len(out) == 0 {
			return nil, nil, usagef("--image-registry: serves releases' images; give --profile-version or --istio-version too")
		}
		if err := profile.CheckHub(r.hub); err != nil {
			return nil, nil, usagef("--image-registry: %v", err)
		}
	}
	return out, from, nil
}

// forRun is the selection of one run: one version per profile, and only for the scenario's
// own profile.
func (r *releaseFlags) forRun(scenarioProfile string) (profile.Selection, error) {
	m, from, err := r.parsed()
	if err != nil {
		return profile.Selection{}, err
	}
	sel := profile.Selection{Versions: map[string]string{}, Hub: r.hub}
	for prof, vs := range m {
		if len(vs) > 1 {
			return sel, usagef("%s: %d versions of %s for one run (a matrix takes several)", from[prof], len(vs), prof)
		}
		if prof != scenarioProfile {
			return sel, usagef("%s: the scenario's profile is %s, not %s", from[prof], scenarioProfile, prof)
		}
		sel.Versions[prof] = vs[0]
	}
	return sel, nil
}

// preflight checks before any cluster work that every image of p's runs can be had; the
// reason the run is NOT RUN, or "" when it can run.
func preflight(ctx context.Context, p profile.Profile) (string, error) {
	err := profile.Preflight(ctx, p, image.Options{Log: os.Stderr})
	if err == nil {
		return "", nil
	}
	if why := profile.NotRunReason(err); why != "" {
		return why, nil
	}
	return "", fmt.Errorf("preflight: %w", err)
}
