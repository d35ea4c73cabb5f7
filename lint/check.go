package lint

import (
	"errors"
	"sort"
)

// Options tune Check.
type Options struct {
	// DefaultNamespace is the namespace of objects that name none (what
	// kubectl apply would use); "default" when empty.
	DefaultNamespace string
}

// Rule is one check, documented by its name and Doc.
type Rule struct {
	Name string
	Doc  string
	// check returns the rule's findings for one workload.
	check func(c *checkContext, w *workload) []Finding
}

// Rules are every rule Check runs, in the order it runs them.
func Rules() []Rule {
	return []Rule{ruleGraceDrain, ruleExitOnZero, ruleEnvoyDrainTime, ruleFixedSleep, ruleClassicSidecar, ruleLongLivedNoDrain}
}

// checkContext is what every rule may read besides the workload itself.
type checkContext struct {
	mesh     mesh
	services []*service
	sidecars map[*workload]*sidecar
}

// Check runs every rule over objs (workloads, Services, Namespaces and
// Istio mesh settings; other kinds are ignored). Scenario files are not
// Kubernetes objects and are ignored too. The error is a *ReadError for an
// object that cannot be a valid workload (a field of the wrong type).
func Check(objs []Object, o Options) ([]Finding, error) {
	if o.DefaultNamespace == "" {
		o.DefaultNamespace = "default"
	}
	m, err := readMesh(objs)
	if err != nil {
		return nil, err
	}
	nsLabels := namespaceLabels(objs)
	c := &checkContext{mesh: m, sidecars: map[*workload]*sidecar{}}
	var ws []*workload
	for _, ob := range objs {
		w, ok, err := newWorkload(ob, o.DefaultNamespace)
		if err != nil {
			return nil, err
		}
		if ok {
			w.nsMeta = nsLabels[w.ref.Namespace]
			sc, err := istioSidecar(w, m)
			if err != nil {
				return nil, &ReadError{ob.Source, err}
			}
			c.sidecars[w] = sc
			ws = append(ws, w)
		}
		if ob.Kind() == "Service" {
			s, err := newService(ob, o.DefaultNamespace)
			if err != nil {
				return nil, err
			}
			c.services = append(c.services, s)
		}
	}
	var out []Finding
	for _, w := range ws {
		for _, r := range Rules() {
			for _, f := range r.check(c, w) {
				f.Rule, f.Object, f.Source, f.RenderedBy = r.Name, w.ref, w.source, renderedNote(w.renderedBy)
				out = append(out, f)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Source.File != b.Source.File {
			return a.Source.File < b.Source.File
		}
		return a.Source.Document < b.Source.Document
	})
	return out, nil
}

// IsReadError reports whether err is input lint could not read (exit 2).
func IsReadError(err error) bool {
	var re *ReadError
	return errors.As(err, &re)
}
