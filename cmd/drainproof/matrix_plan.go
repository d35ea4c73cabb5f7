package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/drainproof/drainproof/internal/cluster"
	"github.com/drainproof/drainproof/internal/profile"
	"github.com/drainproof/drainproof/scenarios"
)

// matrixPlan is what `drainproof matrix` will run, decided before any cluster work: one cluster
// per Kubernetes version, and per version one cell per profile of the selected scenarios.
type matrixPlan struct {
	Labels   string
	Versions []matrixVersion
	Nodes    int // nodes of each cluster: the most any selected scenario needs
}

type matrixVersion struct {
	Kubernetes string // "v1.35.4"
	Cluster    string // kind cluster name
	Cells      []matrixCellPlan
}

type matrixCellPlan struct {
	Name, Profile string // "manifests@v1.35.4", "manifests"; "istio-1.26.3@v1.35.4", "istio" at a release
	// Version is the profile's upstream release of this cell (registry mode), "" when it is
	// built here; Selection is the cell's whole selection.
	Version   string
	Selection profile.Selection
	Scenarios []*scenarios.Scenario
}

var (
	k8sVersionRE = regexp.MustCompile(`^v1\.[0-9]+\.[0-9]+$`)
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$`)
)

// planMatrix checks the flags and returns the plan. Every error names its flag: an unknown
// version format or a minor no node image is known for (--k8s), a malformed or empty selection
// (--labels), cluster names that do not match the versions (--clusters), a profile version
// that is not a version, names an unknown profile or one no selected scenario has
// (--profile-version, --istio-version). A profile with versions makes one cell per version
// (each a column of the matrix) instead of its air-gapped cell.
func planMatrix(cat *scenarios.Catalog, k8s []string, labels string, clusters []string, prefix string, rel *releaseFlags) (*matrixPlan, error) {
	if len(k8s) == 0 {
		return nil, usagef("--k8s: give one or more Kubernetes versions, e.g. --k8s %s", cluster.DefaultKubernetes)
	}
	seen := map[string]bool{}
	for _, v := range k8s {
		if !k8sVersionRE.MatchString(v) {
			return nil, usagef("--k8s: %q is not a Kubernetes version vMAJOR.MINOR.PATCH (e.g. %s)", v, cluster.DefaultKubernetes)
		}
		if err := cluster.CheckKubernetes(v); err != nil {
			return nil, usagef("--k8s: %v", err)
		}
		if seen[v] {
			return nil, usagef("--k8s: %s given twice", v)
		}
		seen[v] = true
	}
	if len(clusters) > 0 && len(clusters) != len(k8s) {
		return nil, usagef("--clusters: %d names for %d Kubernetes versions (one per --k8s version, in the same order)", len(clusters), len(k8s))
	}
	selected, err := cat.Select(labels)
	if err != nil {
		return nil, usagef("--labels: %v", err)
	}
	if len(selected) == 0 {
		return nil, usagef("--labels: no scenario matches %q (see `drainproof list`)", labels)
	}
	var profiles []string
	for _, s := range selected {
		if !slices.Contains(profiles, s.ProfileName()) {
			profiles = append(profiles, s.ProfileName())
		}
	}
	slices.Sort(profiles)
	versions, from, err := rel.parsed()
	if err != nil {
		return nil, err
	}
	for prof := range versions {
		if !slices.Contains(profiles, prof) {
			return nil, usagef("%s: no scenario of profile %s matches --labels %q", from[prof], prof, labels)
		}
	}
	p := &matrixPlan{Labels: labels, Nodes: scenarios.NodesFor(selected)}
	for i, v := range k8s {
		name := prefix + "-" + strings.ReplaceAll(strings.TrimPrefix(v, "v"), ".", "-")
		if len(clusters) > 0 {
			name = clusters[i]
		}
		mv := matrixVersion{Kubernetes: v, Cluster: name}
		for _, prof := range profiles {
			releases := versions[prof]
			if len(releases) == 0 {
				releases = []string{""} // built here
			}
			for _, rv := range releases {
				c := matrixCellPlan{Name: prof + "@" + v, Profile: prof, Version: rv}
				if rv != "" {
					c.Name = prof + "-" + rv + "@" + v
					c.Selection = profile.Selection{Versions: map[string]string{prof: rv}, Hub: rel.hub}
				}
				for _, s := range selected {
					if s.ProfileName() == prof {
						c.Scenarios = append(c.Scenarios, s)
					}
				}
				mv.Cells = append(mv.Cells, c)
			}
		}
		p.Versions = append(p.Versions, mv)
	}
	return p, nil
}

// scenarioNames are the names of every selected scenario, for the matrix's rows.
func (p *matrixPlan) scenarioNames() []string {
	var out []string
	for _, v := range p.Versions {
		for _, c := range v.Cells {
			for _, s := range c.Scenarios {
				if !slices.Contains(out, s.Name) {
					out = append(out, s.Name)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func (p *matrixPlan) String() string {
	var b strings.Builder
	for _, v := range p.Versions {
		if v.Kubernetes == "existing" {
			fmt.Fprintf(&b, "the existing cluster of %s (its own Kubernetes; %d nodes needed):", v.Cluster, p.Nodes)
		} else {
			fmt.Fprintf(&b, "Kubernetes %s on cluster %s (%d nodes):", v.Kubernetes, v.Cluster, p.Nodes)
		}
		for _, c := range v.Cells {
			fmt.Fprintf(&b, " %s (%d scenarios)", c.Name, len(c.Scenarios))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// onExisting makes the plan's one column the existing cluster of a
// kubeconfig context: no kind cluster, no Kubernetes version chosen (the
// cluster has its own; each run's reports say which).
func (p *matrixPlan) onExisting(context string) {
	v := p.Versions[0]
	v.Kubernetes, v.Cluster = "existing", "context "+context
	dir := regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(context, "-") // a cell is a directory
	for i := range v.Cells {
		v.Cells[i].Name = v.Cells[i].Profile + "@" + dir
		if ver := v.Cells[i].Version; ver != "" {
			v.Cells[i].Name = v.Cells[i].Profile + "-" + ver + "@" + dir
		}
	}
	p.Versions = []matrixVersion{v}
}
