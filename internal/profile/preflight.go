package profile

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
	"github.com/drainproof/drainproof/internal/image/standin"
	"github.com/drainproof/drainproof/internal/profile/istio"
)

// Missing is one image a profile's runs need that cannot be had here.
type Missing = istio.Missing

// Preflighter is a profile that can say, before any cluster work, which of its images cannot
// be had: a stand-in whose source is not there, an upstream image no registry serves.
type Preflighter interface {
	Preflight(ctx context.Context, o image.Options) []Missing
}

// Unavailable is Preflight's error: the profile's runs are NOT RUN, naming what is missing.
type Unavailable struct {
	Profile string
	Missing []Missing
}

func (e *Unavailable) Error() string {
	parts := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		parts[i] = m.String()
	}
	return fmt.Sprintf("profile %s: images cannot be had: %s", e.Profile, strings.Join(parts, "; "))
}

// Preflight checks, before any cluster work, that every image p's runs need can be had:
// nil, or an *Unavailable naming each missing image. A profile that builds everything from
// Go modules and Debian has nothing to check here (its build fails as a setup error).
func Preflight(ctx context.Context, p Profile, o image.Options) error {
	pf, ok := p.(Preflighter)
	if !ok {
		return nil
	}
	if m := pf.Preflight(ctx, o); len(m) > 0 {
		name := p.Name()
		if r, ok := p.(Released); ok {
			name += " " + r.Release()
		}
		return &Unavailable{Profile: name, Missing: m}
	}
	return nil
}

// NotRunReason is why err makes a run NOT RUN (a preflight's *Unavailable), "" otherwise.
func NotRunReason(err error) string {
	var u *Unavailable
	if errors.As(err, &u) {
		return u.Error()
	}
	return ""
}

// standInPreflight: an air-gapped image carrying the L4 Envoy stand-in needs its source in
// the drainproof source tree (o.SourceDir, else the module root).
func standInPreflight(o image.Options, imageName, ref string) []Missing {
	src := o.SourceDir
	if src == "" {
		var err error
		if src, err = imgbuild.ModuleRoot(); err != nil {
			return []Missing{{Image: imageName, Ref: ref, Reason: "no drainproof source tree to build it from: " + err.Error()}}
		}
	}
	if !standin.In(src) {
		return []Missing{{Image: imageName, Ref: ref, Reason: fmt.Sprintf("not built: %v (source tree %s)", standin.ErrMissing, src)}}
	}
	return nil
}
