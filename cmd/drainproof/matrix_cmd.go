package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/drainproof/drainproof/internal/access"
	"github.com/drainproof/drainproof/internal/cluster"
	"github.com/drainproof/drainproof/internal/profile"
	"github.com/drainproof/drainproof/internal/reports"
	"github.com/drainproof/drainproof/internal/run"
	"github.com/drainproof/drainproof/scenarios"
)

// errMatrixUnexpected: some cell of the matrix did not come out as it must (exit 1, as a failed
// verdict).
var errMatrixUnexpected = fmt.Errorf("matrix: not every cell as expected: %w", errVerdictFailed)

func newMatrixCmd() *cobra.Command {
	o := matrixOptions{}
	cmd := &cobra.Command{
		Use:   "matrix --k8s V1[,V2...] --labels SELECTOR --out DIR",
		Short: "run the selected scenarios on every Kubernetes version × profile; a qualification report per cell and a matrix report",
		Long: `Run every cell of a matrix: for each Kubernetes version one air-gapped kind cluster (created,
or reused when it exists, and kept for the next cell) — or, with --kubeconfig, the one cluster it
names (no kind call at all; images pushed to --registry) — and on it, for each profile of the selected
scenarios, each scenario and its known-bad twins. Each cell gets its runs' reports and a
qualification report in DIR/<profile>@<version>/; DIR gets matrix.html, matrix.md, summary.md
(the same Markdown, for CI's job summary) and matrix.json: rows are scenarios, columns cells,
each entry linking to its run. A cell that cannot run here (its node image cannot be built, its
cluster not created) is NOT RUN with the reason, never a pass. Bad flags are refused before any
cluster work. The exit status is 0 only when every cell came out as expected.

Profile versions are columns: --istio-version 1.26.3,1.27.1 (or --profile-version
istio=1.26.3,istio=1.27.1) replaces the istio cell of each Kubernetes version by one cell per
release, istio-1.26.3@<k8s> and istio-1.27.1@<k8s>, each running the release's own images
(pulled from --image-registry) instead of the air-gapped build. Before any cluster work a
preflight checks every cell's images (a release's must resolve in their registry, a stand-in's
source must be there); a cell whose images cannot be had is NOT RUN naming them, and a
Kubernetes version none of whose cells can run gets no cluster.

--probers in-cluster[=N] runs every scenario's probes as prober pods, as drainproof run does.`,
		Example: `  drainproof matrix --k8s v1.33.13,v1.35.4 --labels suite=smoke --out _out/matrix
  drainproof matrix --k8s v1.33.13 --labels profile=istio --istio-version 1.26.3,1.27.1 --out _out/istio
  drainproof matrix --k8s v1.33.13 --labels disruption=drain-node --clusters dp-multi --out _out/m`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, f := range []string{"k8s", "clusters", "cluster-prefix"} {
				if cmd.Flags().Changed(f) {
					o.kindFlags = append(o.kindFlags, "--"+f)
				}
			}
			return o.run(cmd.Context())
		},
	}
	fs := cmd.Flags()
	fs.StringSliceVar(&o.k8s, "k8s", []string{cluster.DefaultKubernetes}, "Kubernetes `VERSIONS` (comma-separated; minors "+strings.Join(cluster.KubernetesVersions(), ", ")+")")
	fs.StringVarP(&o.labels, "labels", "l", "", "scenario label `SELECTOR` (kubectl syntax, e.g. suite=smoke); required")
	fs.StringVar(&o.out, "out", "", "output `DIR`")
	fs.StringSliceVar(&o.clusters, "clusters", nil, "kind cluster `NAMES`, one per --k8s version in order (default <prefix>-<version>)")
	fs.StringVar(&o.prefix, "cluster-prefix", "drainproof-matrix", "cluster name `PREFIX` when --clusters is not given")
	fs.BoolVar(&o.keep, "keep", false, "keep the clusters the matrix created (reused clusters are always kept)")
	fs.IntVar(&o.parallel, "parallel", 1, "run up to `N` scenarios of a cell at once, each in its own namespace (drain-node scenarios always run alone)")
	fs.StringVar(&o.probers, "probers", "host", probersUsage)
	o.existing.register(fs)
	o.rel.register(fs, true)
	_ = cmd.MarkFlagDirname("out")
	return cmd
}

type matrixOptions struct {
	k8s, clusters       []string
	labels, out, prefix string
	keep                bool
	parallel            int
	probers             string   // --probers as given
	proberCount         int      // run.Options.Probers, parsed from probers
	kindFlags           []string // --k8s, --clusters, --cluster-prefix as given
	existing            existingFlags
	ex                  *access.Existing // --kubeconfig's cluster, nil for kind
	rel                 releaseFlags
}

func (o *matrixOptions) run(ctx context.Context) error {
	if o.out == "" {
		return usagef("--out: required")
	}
	if o.parallel < 1 {
		return usagef("--parallel: %d; want 1 or more", o.parallel)
	}
	if o.labels == "" {
		return usagef("--labels: required (e.g. --labels suite=smoke; `drainproof list` shows the labels)")
	}
	probers, err := run.ParseProbers(o.probers)
	if err != nil {
		return usagef("--probers: %v", err)
	}
	o.proberCount = probers
	for _, name := range append(append([]string{}, o.clusters...), o.prefix) {
		if !dnsLabel.MatchString(name) {
			return usagef("--clusters/--cluster-prefix: %q is not a DNS label (kind cluster names are)", name)
		}
	}
	ex, err := o.existing.access(false, false)
	if err != nil {
		return err
	}
	if ex != nil && len(o.kindFlags) > 0 {
		return usagef("%s: kind clusters per Kubernetes version; with --kubeconfig the matrix runs on that one cluster", o.kindFlags[0])
	}
	o.ex = ex
	cat, err := scenarios.Builtin()
	if err != nil {
		return err
	}
	plan, err := planMatrix(cat, o.k8s, o.labels, o.clusters, o.prefix, &o.rel)
	if err != nil {
		return err
	}
	if ex != nil {
		plan.onExisting(ex.Context)
	}
	notRun, err := preflightCells(ctx, plan)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return usagef("--out: %v", err)
	}
	fmt.Fprint(os.Stderr, plan)
	wd, _ := os.Getwd()
	m := reports.MatrixReport{Labels: o.labels, Scenarios: plan.scenarioNames(), Reproduce: strings.Join(reports.Reproduce(os.Args, wd), " ")}
	for _, v := range plan.Versions {
		m.Cells = append(m.Cells, o.runVersion(ctx, plan, v, notRun)...)
		if ctx.Err() != nil {
			break
		}
	}
	if err := reports.WriteMatrix(o.out, m); err != nil {
		return err
	}
	fmt.Printf("matrix report: %s\n", filepath.Join(o.out, reports.MatrixFile+".html"))
	for _, c := range m.Cells {
		fmt.Printf("  %-28s %s\n", c.Name, c.Status())
	}
	if !m.Expected() {
		fmt.Fprintf(os.Stderr, "%snot every cell as expected: %s\n", errorPrefix, strings.Join(m.Unexpected(), "; "))
		return errMatrixUnexpected
	}
	return nil
}

// preflightCells checks, before any cluster work, that each cell's images can be had (once
// per profile and release): cell name → why it is NOT RUN.
func preflightCells(ctx context.Context, plan *matrixPlan) (map[string]string, error) {
	out, byRelease := map[string]string{}, map[string]string{}
	for _, v := range plan.Versions {
		for _, c := range v.Cells {
			key := c.Profile + "@" + c.Version
			why, done := byRelease[key]
			if !done {
				p, err := c.Selection.Profile(c.Profile)
				if err != nil {
					return nil, err
				}
				if why, err = preflight(ctx, p); err != nil {
					return nil, err
				}
				byRelease[key] = why
			}
			if why != "" {
				out[c.Name] = "preflight: " + why
			}
		}
	}
	return out, nil
}

// runVersion makes (or reuses) the version's cluster and runs its cells; a cluster that cannot
// be had makes every cell of the version NOT RUN with the reason, and a version none of whose
// cells passed the preflight gets no cluster.
func (o *matrixOptions) runVersion(ctx context.Context, plan *matrixPlan, v matrixVersion, preflightNotRun map[string]string) []reports.MatrixCell {
	cells := make([]reports.MatrixCell, len(v.Cells))
	runnable := false
	for i, c := range v.Cells {
		cells[i] = reports.MatrixCell{Name: c.Name, Profile: c.Profile, Kubernetes: v.Kubernetes, Cluster: v.Cluster, Dir: c.Name,
			NotRun: preflightNotRun[c.Name]}
		runnable = runnable || cells[i].NotRun == ""
	}
	if !runnable {
		return cells
	}
	notRun := func(reason string) []reports.MatrixCell {
		for i := range cells {
			if cells[i].NotRun == "" { // a preflight's reason stays
				cells[i].NotRun = reason
			}
		}
		return cells
	}
	if o.ex != nil {
		base, err := o.ex.Base(ctx, os.Stderr)
		if err != nil {
			return notRun(err.Error())
		}
		for i, cp := range v.Cells {
			if cells[i].NotRun == "" {
				cells[i] = o.runCell(ctx, o.ex, base, "", v, cp, cells[i])
			}
		}
		return cells
	}
	c, imgs, err := cluster.Up(ctx, cluster.UpOptions{Name: v.Cluster, AirGapped: true, Kubernetes: v.Kubernetes,
		Workers: plan.Nodes - 1, Keep: o.keep, LogsDir: filepath.Join(o.out, "cluster-logs-"+v.Kubernetes), Log: os.Stderr})
	if err != nil {
		return notRun(err.Error())
	}
	if !c.Reused && !o.keep {
		defer func() {
			if err := c.Delete(context.WithoutCancel(ctx)); err != nil {
				fmt.Fprintf(os.Stderr, "%sdelete cluster %s: %v\n", errorPrefix, c.Name, err)
			}
		}()
	}
	for i, cp := range v.Cells {
		if cells[i].NotRun == "" {
			cells[i] = o.runCell(ctx, c, profile.BaseTable(imgs), imgs.NodeImageName(), v, cp, cells[i])
		}
	}
	return cells
}

// cellHeader is a cell's qualification header and the flags that rerun one of its scenarios
// alone with `drainproof run` (its reproduce lines): the cluster, the profile's release and
// where the probes run, as the matrix ran them.
func (o *matrixOptions) cellHeader(v matrixVersion, cp matrixCellPlan) (reports.QualificationReport, []string) {
	header := reports.QualificationReport{Profile: cp.Profile, Mode: "air-gapped", Cluster: v.Cluster,
		Versions: map[string]string{"kubernetes": v.Kubernetes}, Catalog: catalogOf(cp.Profile),
		Reproduce: fmt.Sprintf("drainproof matrix --k8s %s --labels %s --out %s", v.Kubernetes, o.labels, o.out)}
	runFlags := []string{"--cluster", v.Cluster, "--air-gapped"}
	if o.ex != nil {
		header.Mode, header.Versions = "existing cluster, images "+o.ex.ImageSource(), nil
		runFlags = o.ex.Flags()
		header.Reproduce = strings.Join(append(append([]string{"drainproof", "matrix", "--labels", o.labels}, runFlags...), "--out", o.out), " ")
	}
	if cp.Version != "" {
		if o.ex == nil {
			header.Mode = "registry"
		}
		if header.Versions == nil {
			header.Versions = map[string]string{}
		}
		header.Versions[cp.Profile] = cp.Version
		rel := []string{"--profile-version", cp.Profile + "=" + cp.Version}
		if o.rel.hub != "" {
			rel = append(rel, "--image-registry", o.rel.hub)
		}
		header.Reproduce += " " + strings.Join(rel, " ")
		runFlags = append(runFlags, rel...)
	}
	if o.proberCount != 0 {
		p := []string{"--probers", run.ProbersString(o.proberCount)}
		header.Reproduce += " " + strings.Join(p, " ")
		runFlags = append(runFlags, p...)
	}
	return header, runFlags
}

// runCell runs a cell's scenarios on the version's cluster (--parallel of them at once) and writes their
// reports, the cell's suite reports and its qualification report.
func (o *matrixOptions) runCell(ctx context.Context, c access.Cluster, base map[string]string, nodeImage string, v matrixVersion, cp matrixCellPlan, cell reports.MatrixCell) reports.MatrixCell {
	dir := filepath.Join(o.out, cp.Name)
	header, runFlags := o.cellHeader(v, cp)
	prof, err := cp.Selection.Profile(cp.Profile)
	if err != nil {
		cell.NotRun = fmt.Sprintf("profile %s: %v", cp.Profile, err)
		return cell
	}
	ready, err := profile.Ensure(ctx, c, prof, base, os.Stderr)
	if err != nil {
		cell.NotRun = fmt.Sprintf("profile %s: %v", cp.Profile, err)
		return cell
	}
	// Each scenario fills its own slot; reports read them in the cell's order.
	type slot struct {
		result *reports.Result
		notRun *reports.ScenarioResult
	}
	slots := make([]slot, len(cp.Scenarios))
	resolved := make([]*scenarios.Scenario, len(cp.Scenarios))
	files := make([]fs.FS, len(cp.Scenarios))
	shared := make([]bool, len(cp.Scenarios))
	for i, s := range cp.Scenarios {
		var err error
		if resolved[i], files[i], err = scenariosResolve(s.Name); err != nil {
			slots[i].notRun = &reports.ScenarioResult{Name: s.Name, Kind: reports.KindScenario, Result: reports.ResultNotRun, Message: err.Error()}
		}
		shared[i] = sharesCluster(resolved[i])
	}
	var logMu sync.Mutex
	inParallel(ctx, o.parallel, shared, func(i int) {
		name, sc := cp.Scenarios[i].Name, resolved[i]
		if sc == nil {
			return
		}
		var log io.Writer = os.Stderr
		if o.parallel > 1 {
			log = &prefixedLines{mu: &logMu, w: os.Stderr, prefix: "[" + name + "] "}
		}
		out := filepath.Join(dir, name)
		res, err := run.Run(ctx, run.Options{Scenario: sc, Files: files[i], Cluster: c,
			Images: ready.Images, Charts: ready.Charts, NodeImage: nodeImage, OutDir: out, Log: log,
			NotCarried: ready.DataPlane.NotCarried, Probers: o.proberCount})
		if res == nil {
			msg := "no run"
			if err != nil {
				msg = err.Error()
			}
			slots[i].notRun = &reports.ScenarioResult{Name: name, Kind: reports.KindScenario, Result: reports.ResultNotRun, Message: msg}
			return
		}
		cmd := append(append([]string{"drainproof", "run", "--scenario", name}, runFlags...), "--out", out)
		meta := run.Meta(sc, ready.DataPlane, res, v.Cluster, cmd)
		if werr := reports.WriteRun(out, meta, sc.Expect, res.Verdict, res.Events); werr != nil {
			fmt.Fprintf(os.Stderr, "%s%s: %v\n", errorPrefix, name, werr)
		}
		fmt.Printf("%s %s: %s\n", cp.Name, name, res.Verdict.Outcome)
		slots[i].result = &reports.Result{Run: meta, Expect: sc.Expect, Verdict: res.Verdict, Events: res.Events}
	})
	var results []reports.Result
	for _, sl := range slots {
		if sl.notRun != nil {
			header.Results = append(header.Results, *sl.notRun)
		}
		if sl.result != nil {
			results = append(results, *sl.result)
		}
	}
	if len(results) > 0 {
		if err := reports.WriteSuite(dir, results); err != nil {
			fmt.Fprintf(os.Stderr, "%s%s: %v\n", errorPrefix, cp.Name, err)
		}
	}
	q := reports.Qualify(header, results)
	if err := reports.WriteQualification(dir, q); err != nil {
		fmt.Fprintf(os.Stderr, "%s%s: %v\n", errorPrefix, cp.Name, err)
	}
	cell.Qualification = &q
	return cell
}

// catalogOf lists every scenario of a profile's catalog (what a full qualification runs).
func catalogOf(prof string) []string {
	cat, err := scenarios.Builtin()
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range cat.Names() {
		if s, _ := cat.Get(n); s.ProfileName() == prof {
			out = append(out, n)
		}
	}
	return out
}

func scenariosResolve(name string) (*scenarios.Scenario, fs.FS, error) {
	cat, err := scenarios.Builtin()
	if err != nil {
		return nil, nil, err
	}
	return cat.Resolve(name)
}
