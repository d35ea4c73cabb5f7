package scenarios

import (
	"crypto/sha256"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

//go:embed catalog/*.yaml catalog/manifests/*.yaml
var embedded embed.FS

// Catalog is a set of scenarios with their manifests, keyed by name.
type Catalog struct {
	byName map[string]*Scenario
	files  fs.FS // where Manifests paths resolve (embedded catalog or a user dir)
}

// Builtin loads the embedded catalog. It is validated as a whole (twins exist
// and point back), so a broken catalog is caught by unit tests, not at run time.
func Builtin() (*Catalog, error) {
	// A built-in scenario's manifests resolve beside it, as a scenario file's do: the catalog
	// directory is the root of its files, so `drainproof lint scenarios/catalog/X.yaml` and the
	// catalog name X read the same manifests.
	files, err := fs.Sub(embedded, "catalog")
	if err != nil {
		return nil, err
	}
	c := &Catalog{byName: map[string]*Scenario{}, files: files}
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		p := path.Join("catalog", e.Name())
		b, err := fs.ReadFile(files, e.Name())
		if err != nil {
			return nil, err
		}
		s, err := Parse(p, b)
		if err != nil {
			return nil, err
		}
		if _, dup := c.byName[s.Name]; dup {
			return nil, fmt.Errorf("%s: name %q is used by another scenario", p, s.Name)
		}
		c.byName[s.Name] = s
	}
	if err := c.validateLinks(); err != nil {
		return nil, err
	}
	return c, nil
}

// Resolve finds a scenario by catalog name or, when ref is a path to a file,
// loads that file (its manifests resolve relative to its directory) and
// checks every link it makes before anything uses it: see checkFileLinks.
func (c *Catalog) Resolve(ref string) (*Scenario, fs.FS, error) {
	if s, ok := c.byName[ref]; ok {
		return s, c.files, nil
	}
	if strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml") || strings.ContainsRune(ref, os.PathSeparator) {
		b, err := os.ReadFile(ref)
		if err != nil {
			return nil, nil, fmt.Errorf("--scenario %s: %w", ref, err)
		}
		s, err := Parse(ref, b)
		if err != nil {
			return nil, nil, err
		}
		if err := c.checkFileLinks(s, filepath.Dir(ref)); err != nil {
			return nil, nil, err
		}
		return s, os.DirFS(filepath.Dir(ref)), nil
	}
	return nil, nil, fmt.Errorf("--scenario %q: no such scenario (see `drainproof list`) and not a .yaml file", ref)
}

// Get returns a catalog scenario by name.
func (c *Catalog) Get(name string) (*Scenario, bool) { s, ok := c.byName[name]; return s, ok }

// Names lists the catalog, sorted.
func (c *Catalog) Names() []string {
	out := make([]string, 0, len(c.byName))
	for n := range c.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ManifestTemplate returns the raw manifest template of s.
func ManifestTemplate(files fs.FS, s *Scenario) ([]byte, error) {
	b, err := fs.ReadFile(files, s.Manifests)
	if err != nil {
		return nil, fmt.Errorf("%s: manifests: %w", s.Source, err)
	}
	return b, nil
}

// Parse decodes one scenario strictly (unknown fields and duplicate keys
// are errors naming the field path) and validates it on its own.
func Parse(source string, b []byte) (*Scenario, error) {
	j, err := yaml.YAMLToJSONStrict(b)
	if err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %s", source, strings.TrimPrefix(err.Error(), "error converting YAML to JSON: "))
	}
	var s Scenario
	if err := strictDecode(j, &s); err != nil {
		return nil, fmt.Errorf("%s: %s", source, jsonFieldError(err))
	}
	s.Source = source
	s.Digest = fmt.Sprintf("sha256:%x", sha256.Sum256(b))
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return &s, nil
}

// jsonFieldError rewrites encoding/json errors so they name the field path.
func jsonFieldError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %s: expected %s, got %s", te.Field, te.Type, te.Value)
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "json: ")
	return msg
}

func (c *Catalog) validateLinks() error {
	for _, name := range c.Names() {
		s := c.byName[name]
		for _, t := range s.Twins {
			tw, ok := c.byName[t]
			if !ok {
				return fmt.Errorf("%s: twins: %q is not in the catalog", s.Source, t)
			}
			if !slices.Contains(tw.NegativeControlOf, s.Name) {
				return fmt.Errorf("%s: negativeControlOf must list %q (it is listed as a twin of it)", tw.Source, s.Name)
			}
		}
		for _, g := range s.NegativeControlOf {
			good, ok := c.byName[g]
			if !ok {
				return fmt.Errorf("%s: negativeControlOf: %q is not in the catalog", s.Source, g)
			}
			if !slices.Contains(good.Twins, s.Name) {
				return fmt.Errorf("%s: twins must list %q (it names itself a negative control of it)", good.Source, s.Name)
			}
		}
		if _, err := fs.Stat(c.files, s.Manifests); err != nil {
			return fmt.Errorf("%s: manifests: %q not found", s.Source, s.Manifests)
		}
	}
	return nil
}

// IsNegativeControl reports whether s is a known-bad twin that must fail.
func (s *Scenario) IsNegativeControl() bool { return len(s.NegativeControlOf) > 0 }

// checkFileLinks checks what a scenario file loaded from dir points at: its
// manifests exist inside dir (no "..", no symlink out of it), and its twins
// and negativeControlOf name scenarios that exist, in the catalog or in a
// file beside it.
func (c *Catalog) checkFileLinks(s *Scenario, dir string) error {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Source, err)
	}
	m, err := filepath.EvalSymlinks(filepath.Join(dir, s.Manifests))
	if err != nil {
		return fmt.Errorf("%s: manifests: %q not found beside the scenario: %v", s.Source, s.Manifests, errors.Unwrap(err))
	}
	if rel, err := filepath.Rel(root, m); err != nil || !filepath.IsLocal(rel) {
		return fmt.Errorf("%s: manifests: %q leads out of the scenario's directory %s", s.Source, s.Manifests, dir)
	}
	var beside map[string]bool // scenario names in dir's files, read on first need
	for _, link := range []struct {
		field string
		names []string
	}{{"twins", s.Twins}, {"negativeControlOf", s.NegativeControlOf}} {
		for i, name := range link.names {
			if _, ok := c.byName[name]; ok {
				continue
			}
			if beside == nil {
				beside = scenarioNames(dir)
			}
			if !beside[name] {
				return fmt.Errorf("%s: %s[%d]: %q is neither in the catalog nor a scenario file beside this one", s.Source, link.field, i, name)
			}
		}
	}
	return nil
}

// scenarioNames lists the names of the valid scenario files in dir.
func scenarioNames(dir string) map[string]bool {
	out := map[string]bool{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if s, err := Parse(e.Name(), b); err == nil {
			out[s.Name] = true
		}
	}
	return out
}

// Select returns the scenarios whose labels match a kubectl label selector ("suite=smoke",
// "profile!=istio", "" for all), in name order. A malformed selector is an error naming it.
func (c *Catalog) Select(selector string) ([]*Scenario, error) {
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, fmt.Errorf("label selector %q: %w", selector, err)
	}
	var out []*Scenario
	for _, n := range c.Names() {
		if s := c.byName[n]; sel.Matches(labels.Set(s.Labels)) {
			out = append(out, s)
		}
	}
	return out, nil
}

// NodesFor is how many nodes a cluster running all of ss needs (the most any of them needs).
func NodesFor(ss []*Scenario) int {
	n := 1
	for _, s := range ss {
		n = max(n, s.NodeCount())
	}
	return n
}
