package gobuild

import (
	"fmt"
	"os"

	"golang.org/x/mod/modfile"
)

// MainDirectives are the go.mod directives that apply only when a module is the main module:
// required as a dependency (from a wrapper), its replace and exclude lines are ignored, so a
// module that builds only with them (traefik's forks of gorilla/mux and go-http-auth) needs the
// wrapper to restate them. They are read from the module's own go.mod in the module cache at
// build time, never copied into drainproof.
type MainDirectives struct {
	Go      string            // the go directive
	Replace map[string]string // as WrapperModule.Replace
	Exclude []string          // as WrapperModule.Exclude
}

// ReadMainDirectives parses the go.mod at path. A replacement by a local directory cannot be
// restated outside the module's own tree and is an error naming it.
func ReadMainDirectives(path string) (MainDirectives, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return MainDirectives{}, err
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return MainDirectives{}, err
	}
	if f.Go == nil {
		return MainDirectives{}, fmt.Errorf("%s: no go directive", path)
	}
	d := MainDirectives{Go: f.Go.Version}
	for _, r := range f.Replace {
		if r.New.Version == "" {
			return MainDirectives{}, fmt.Errorf("%s: replace %s => %s: a local directory cannot be restated in a wrapper module", path, r.Old.Path, r.New.Path)
		}
		if d.Replace == nil {
			d.Replace = map[string]string{}
		}
		old := r.Old.Path
		if r.Old.Version != "" {
			old += " " + r.Old.Version
		}
		d.Replace[old] = r.New.Path + " " + r.New.Version
	}
	for _, e := range f.Exclude {
		d.Exclude = append(d.Exclude, e.Mod.Path+" "+e.Mod.Version)
	}
	return d, nil
}

// Wrapper is a wrapper module at path requiring mod@version with d restated, blank-importing
// packages.
func (d MainDirectives) Wrapper(path, mod, version string, packages ...string) WrapperModule {
	return WrapperModule{Path: path, Go: d.Go, Require: map[string]string{mod: version},
		Replace: d.Replace, Exclude: d.Exclude, Packages: packages}
}
