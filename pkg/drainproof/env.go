package drainproof

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"al.essio.dev/pkg/shellescape"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/flags"

	"github.com/drainproof/drainproof/internal/access"
	"github.com/drainproof/drainproof/internal/cluster"
	"github.com/drainproof/drainproof/internal/profile"
	"github.com/drainproof/drainproof/internal/reports"
	"github.com/drainproof/drainproof/internal/run"
	"github.com/drainproof/drainproof/scenarios"
)

// Env is an e2e-framework suite's cluster and what its scenarios share:
// pass Setup to env.Environment.Setup, call Finish after the tests, and test
// Pairs (or one Pair) as features. Cluster, Images and Base are set by Setup.
type Env struct {
	Profile string
	Cluster *cluster.Cluster
	Images  *cluster.Images
	Base    map[string]string // base image table (fixtures, gateway)
	Reports string
	Catalog *scenarios.Catalog

	opts options
	// access is the run's way into the cluster: Cluster (kind) or an
	// existing cluster's (WithKubeconfig), set by Setup.
	access   access.Cluster
	existing *access.Existing
	mu       sync.Mutex
	results  []reports.Result
}

// NewEnv loads the built-in catalog; the cluster comes in Setup. name names
// the suite in its reports. WithFlags registers its flags here, so call
// NewEnv before the flags are parsed (a package-level var of the suite).
func NewEnv(name string, opts ...Option) *Env {
	c, err := scenarios.Builtin()
	if err != nil {
		panic(err) // the embedded catalog is validated by unit tests
	}
	e := &Env{Profile: name, Catalog: c, opts: build(opts)}
	e.opts.registerFlags()
	return e
}

// Setup is the suite's e2e-framework Setup step: images built or reused from
// the cache, the cluster created or reused, images loaded into its nodes.
func (e *Env) Setup(ctx context.Context, cfg *envconf.Config) (context.Context, error) {
	if _, err := e.opts.selection(); err != nil {
		return ctx, err // bad input, before any cluster work
	}
	e.Reports = e.opts.out
	if e.Reports == "" {
		base := os.Getenv("DRAINPROOF_OUT")
		if base == "" {
			base = "_out"
		}
		e.Reports = filepath.Join(base, "reports")
	}
	if err := os.MkdirAll(e.Reports, 0o755); err != nil {
		return ctx, err
	}
	// A cluster this suite creates has as many nodes as the selected scenarios need.
	selected, err := e.Catalog.Select(labelsArg())
	if err != nil {
		return ctx, fmt.Errorf("-labels: %w", err)
	}
	if err := e.up(ctx, filepath.Join(e.Reports, "cluster-logs"), scenarios.NodesFor(selected)); err != nil {
		return ctx, err
	}
	if e.existing != nil {
		cfg.WithKubeconfigFile(e.existing.Kubeconfig)
		return ctx, nil
	}
	cfg.WithKubeconfigFile(e.Cluster.KubeconfigPath())
	return ctx, nil
}

// up creates (with nodes nodes) or reuses the kind cluster and loads the
// base images into it; with WithKubeconfig it only builds the base images
// and pushes them (no kind call at all).
func (e *Env) up(ctx context.Context, logsDir string, nodes int) error {
	ex, err := e.opts.existing()
	if err != nil {
		return err
	}
	if ex != nil {
		return e.upExisting(ctx, ex)
	}
	c, imgs, err := cluster.Up(ctx, cluster.UpOptions{
		Name: e.opts.cluster, AirGapped: e.opts.airGapped, Keep: e.opts.keep, Workers: nodes - 1,
		LogsDir: logsDir, Log: os.Stderr,
	})
	if err != nil {
		return fmt.Errorf("cluster %s: %w", e.opts.cluster, err)
	}
	e.Cluster, e.Images, e.access = c, imgs, c
	e.Base = profile.BaseTable(imgs)
	for _, t := range imgs.Timings {
		fmt.Fprintf(os.Stderr, "[drainproof] %s\n", t)
	}
	return nil
}

// upExisting builds the base images and pushes them for an existing
// cluster.
func (e *Env) upExisting(ctx context.Context, ex *access.Existing) error {
	base, err := ex.Base(ctx, os.Stderr)
	if err != nil {
		return err
	}
	e.Base, e.access, e.existing = base, ex, ex
	return nil
}

// Finish writes the suite's reports, exports cluster logs when the suite
// failed, and deletes the cluster if this suite created it (unless -keep).
// It is called by TestMain after the tests, NOT as an e2e-framework Finish
// step, because e2e-framework logs Finish errors only at high verbosity:
// here every error is printed and fails the suite.
func (e *Env) Finish(failed bool) error {
	if e.access == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var errs []error
	e.mu.Lock()
	results := e.results
	e.mu.Unlock()
	if len(results) > 0 {
		if err := reports.WriteSuite(e.Reports, results); err != nil {
			errs = append(errs, fmt.Errorf("suite reports: %w", err))
		} else if err := reports.AppendStepSummary(e.Reports); err != nil {
			errs = append(errs, fmt.Errorf("suite reports: %w", err))
		}
		if err := reports.WriteQualification(e.Reports, reports.Qualify(e.qualificationHeader(results), results)); err != nil {
			errs = append(errs, fmt.Errorf("qualification report: %w", err))
		}
	}
	if e.Cluster == nil { // an existing cluster: nothing of kind's to export or delete
		return errors.Join(errs...)
	}
	if failed {
		dir := filepath.Join(e.Reports, "cluster-logs")
		if err := e.Cluster.ExportLogs(ctx, dir); err != nil {
			errs = append(errs, fmt.Errorf("export cluster logs: %w", err))
		} else {
			fmt.Fprintf(os.Stderr, "[suite] cluster logs in %s\n", dir)
		}
	}
	if !e.Cluster.Reused && !e.opts.keep {
		if err := e.Cluster.Delete(ctx); err != nil {
			errs = append(errs, fmt.Errorf("delete cluster %s: %w", e.Cluster.Name, err))
		}
	}
	return errors.Join(errs...)
}

// record keeps a run's outcome for the suite's reports.
func (e *Env) record(s *scenarios.Scenario, meta reports.Run, res *run.Result) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.results = append(e.results, reports.Result{Run: meta, Expect: s.Expect, Verdict: res.Verdict, Events: res.Events})
}

// ensureProfile makes s's profile ready on the suite's cluster (once per profile:
// images built and loaded, control plane installed), and the gateway images s
// names (once per gateway), and returns the run's image table, charts and data plane.
func (e *Env) ensureProfile(ctx context.Context, s *scenarios.Scenario, sel profile.Selection) (*profile.Ready, error) {
	r, err := profile.EnsureScenario(ctx, e.access, s, sel, e.Base, os.Stderr)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// meta describes a run for reports; its reproduce line is the `drainproof
// run` that does the same on the same cluster, writing where the suite did.
func (e *Env) meta(s *scenarios.Scenario, dp reports.DataPlane, res *run.Result, dir string, sel profile.Selection, probers int) reports.Run {
	wd, _ := os.Getwd()
	out := reports.Reproduce([]string{"", dir}, wd)[1]
	var rel []string // the profile's release (registry mode), as run's flags
	if v := sel.Versions[s.ProfileName()]; v != "" {
		rel = append(rel, "--profile-version", s.ProfileName()+"="+v)
		if sel.Hub != "" {
			rel = append(rel, "--image-registry", sel.Hub)
		}
	}
	if probers != 0 {
		rel = append(rel, "--probers", run.ProbersString(probers))
	}
	if ex := e.existing; ex != nil {
		cmd := append(append([]string{"drainproof", "run", "--scenario", s.Name}, ex.Flags()...), rel...)
		return run.Meta(s, dp, res, ex.String(), append(cmd, "--out", out))
	}
	cmd := []string{"drainproof", "run", "--scenario", s.Name, "--cluster", e.opts.cluster, "--out", out}
	if e.opts.airGapped {
		cmd = append(cmd, "--air-gapped")
	}
	return run.Meta(s, dp, res, e.opts.cluster, append(cmd, rel...))
}

// qualificationHeader says what this suite qualified, on which images.
func (e *Env) qualificationHeader(results []reports.Result) reports.QualificationReport {
	mode, clusterName := "registry", e.opts.cluster
	if e.opts.airGapped {
		mode = "air-gapped"
	}
	reproduce := fmt.Sprintf("make e2e LABELS=%s AIR_GAPPED=%v", shellescape.Quote(labelsArg()), e.opts.airGapped)
	if ex := e.existing; ex != nil {
		mode, clusterName = "existing cluster, images "+ex.ImageSource(), ex.String()
		reproduce = ""
		if len(results) > 0 {
			reproduce = shellQuoteAll(results[0].Run.Command)
		}
	}
	// The implementation and versions come from the runs (their data plane
	// and what they were tested with); the catalog of the profiles that ran
	// makes a subset partial.
	profiles := map[string]bool{}
	var names []string
	for _, r := range results {
		if !profiles[r.Run.Profile] {
			profiles[r.Run.Profile] = true
			names = append(names, r.Run.Profile)
		}
	}
	sort.Strings(names)
	var catalog []string
	for _, n := range e.Catalog.Names() {
		if s, _ := e.Catalog.Get(n); profiles[s.ProfileName()] {
			catalog = append(catalog, n)
		}
	}
	var versions map[string]string
	for prof, v := range e.opts.versions {
		if profiles[prof] {
			if versions == nil {
				versions = map[string]string{}
			}
			versions[prof] = v // a profile at an upstream release (registry mode)
			if e.existing == nil {
				mode = "registry"
			}
		}
	}
	return reports.QualificationReport{
		Profile: strings.Join(names, ","), Mode: mode, Cluster: clusterName, Catalog: catalog, Versions: versions,
		Reproduce: reproduce,
	}
}

func shellQuoteAll(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellescape.Quote(a)
	}
	return strings.Join(q, " ")
}

// labelsArg is the suite's -labels flag (e2e-framework's, a map) as the
// label selector it means: KEY=VALUE terms, "KEY in (A,B)" for a key given
// twice, keys sorted. (The flag's own String is Go's map syntax.)
func labelsArg() string {
	f := flag.Lookup("labels")
	if f == nil {
		return ""
	}
	switch m := f.Value.(type) {
	case flags.LabelsMap:
		return selectorOf(m)
	case *flags.LabelsMap:
		return selectorOf(*m)
	}
	return f.Value.String()
}

func selectorOf(m map[string][]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	terms := make([]string, 0, len(keys))
	for _, k := range keys {
		vs := slices.Clone(m[k])
		sort.Strings(vs)
		vs = slices.Compact(vs)
		switch len(vs) {
		case 0:
			terms = append(terms, k)
		case 1:
			terms = append(terms, k+"="+vs[0])
		default:
			terms = append(terms, k+" in ("+strings.Join(vs, ",")+")")
		}
	}
	return strings.Join(terms, ",")
}
