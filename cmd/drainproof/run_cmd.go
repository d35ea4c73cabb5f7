package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/drainproof/drainproof/internal/access"
	"github.com/drainproof/drainproof/internal/cluster"
	"github.com/drainproof/drainproof/internal/probe"
	"github.com/drainproof/drainproof/internal/profile"
	"github.com/drainproof/drainproof/internal/reports"
	"github.com/drainproof/drainproof/internal/run"
	"github.com/drainproof/drainproof/internal/verdict"
	"github.com/drainproof/drainproof/scenarios"
)

func newRunCmd() *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run --scenario NAME|FILE --out DIR [flags]",
		Short: "run one scenario on a kind cluster (created or reused), or on an existing cluster, and judge it",
		Long: `Run one scenario on a kind cluster: create the cluster when it is missing (and leave it for
reuse), install the scenario's profile, apply its manifests in a fresh namespace, hold its probes
through its disruption, and judge the run. Reports go to --out.

With --kubeconfig the run uses that cluster instead and makes no kind call at all: the images are
pushed to --registry (which the cluster's nodes must be able to pull from), probes reach a Service
through its LoadBalancer address, else a node's ExternalIP/InternalIP and its NodePort, and the
run cleans up what it made (its namespace), as on kind.

With --istio-version (or --profile-version PROFILE=VERSION) the scenario's profile runs at that
upstream release: its own images (Istio's pilot and proxyv2: real Envoy), pulled by the nodes
from --image-registry, nothing built. Before any cluster work a preflight checks that every
image the run needs can be had (the release's images resolve in their registry; the L4 Envoy
stand-in's source is there for an air-gapped profile); when one cannot, the run is NOT RUN
(exit 3) naming the missing images, with its reports in --out and no cluster made.

With --probers in-cluster[=N] the SSH, HTTP and load probes run as N pods of the fixtures image
in the run's namespace (spread over the nodes), each holding its share of the sessions,
connections and rate against the probed Service's ClusterIP and streaming its events back
through its log; they are merged into the run's one ledger (clock offsets measured and
recorded). A prober that dies or whose stream cannot be read makes the run INCOMPLETE.`,
		Example: `  drainproof run --scenario gateway-rollout-ssh --out _out/r1
  drainproof run --scenario ./my-scenario.yaml --out _out/r2 --air-gapped --cluster ci
  drainproof run --scenario gateway-rollout-ssh --out _out/r3 --kubeconfig ~/.kube/config --context prod-eu --registry registry.example.com/drainproof
  drainproof run --scenario istio-ssh-exit-on-zero --istio-version 1.26.3 --image-registry mirror.example:5000/istio --out _out/r4
  drainproof run --scenario gateway-rollout-ssh --out _out/r5 --probers in-cluster=2`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.clusterSet = cmd.Flags().Changed("cluster")
			return o.run(cmd.Context())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.ref, "scenario", "", "scenario `NAME` from 'drainproof list', or a scenario FILE (required)")
	fs.StringVar(&o.out, "out", "", "`DIR` for ledger.jsonl and reports (required)")
	fs.BoolVar(&o.airGapped, "air-gapped", false, "use drainproof's own node image, built from Go modules and Debian (no registry)")
	fs.StringVar(&o.cluster, "cluster", cluster.DefaultName, "kind cluster to use; created when missing and left for reuse")
	fs.BoolVar(&o.keep, "keep", false, "leave the run's namespace (and a cluster whose creation failed) for inspection")
	fs.StringVar(&o.probers, "probers", "host", probersUsage)
	o.existing.register(fs)
	o.rel.register(fs, false)
	_ = cmd.RegisterFlagCompletionFunc("scenario", completeScenarios)
	_ = cmd.MarkFlagDirname("out")
	return cmd
}

type runOptions struct {
	ref, out, cluster string
	probers           string
	airGapped, keep   bool
	clusterSet        bool // --cluster given
	existing          existingFlags
	rel               releaseFlags
}

func (o *runOptions) run(ctx context.Context) error {
	if o.ref == "" {
		return usagef("--scenario: required (see `drainproof list`)")
	}
	if o.out == "" {
		return usagef("--out: required")
	}
	probers, err := run.ParseProbers(o.probers)
	if err != nil {
		return usagef("--probers: %v", err)
	}
	cat, err := scenarios.Builtin()
	if err != nil {
		return err
	}
	s, files, err := cat.Resolve(o.ref)
	if err != nil {
		return usageError{err.Error()}
	}
	sel, err := o.rel.forRun(s.ProfileName())
	if err != nil {
		return err
	}
	prof, err := sel.Profile(s.Profile)
	if err != nil {
		return err
	}
	ex, err := o.existing.access(o.clusterSet, o.airGapped)
	if err != nil {
		return err
	}
	notRun, err := preflight(ctx, prof)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return usagef("--out: %v", err)
	}
	if notRun != "" {
		name := o.cluster
		if ex != nil {
			name = ex.String()
		}
		return o.notRun(s, prof, name, notRun)
	}
	var (
		acc         access.Cluster
		kind        *cluster.Cluster // nil on an existing cluster
		base        map[string]string
		nodeImage   string
		clusterName string
	)
	if ex != nil {
		if base, err = ex.Base(ctx, os.Stderr); err != nil {
			return err
		}
		acc, clusterName = ex, ex.String()
	} else {
		c, imgs, err := cluster.Up(ctx, cluster.UpOptions{Name: o.cluster, AirGapped: o.airGapped, Keep: o.keep,
			Workers: s.NodeCount() - 1, LogsDir: filepath.Join(o.out, "cluster-logs"), Log: os.Stderr})
		if err != nil {
			return err
		}
		acc, kind, base, nodeImage, clusterName = c, c, profile.BaseTable(imgs), imgs.NodeImageName(), c.Name
	}
	ready, err := profile.EnsureScenario(ctx, acc, s, sel, base, os.Stderr)
	if err != nil {
		return err
	}
	res, err := run.Run(ctx, run.Options{Scenario: s, Files: files, Cluster: acc,
		Images: ready.Images, Charts: ready.Charts, NodeImage: nodeImage, OutDir: o.out, Keep: o.keep, Log: os.Stderr,
		NotCarried: ready.DataPlane.NotCarried, Probers: probers})
	if res != nil {
		wd, _ := os.Getwd()
		meta := run.Meta(s, ready.DataPlane, res, clusterName, reports.Reproduce(os.Args, wd))
		if werr := reports.WriteRun(o.out, meta, s.Expect, res.Verdict, res.Events); werr != nil {
			err = errors.Join(err, werr)
		} else if werr := reports.AppendStepSummary(o.out); werr != nil {
			err = errors.Join(err, werr)
		}
		printVerdict(res.Verdict, o.out)
		for _, p := range res.ProbesNotRun {
			fmt.Println(p)
		}
		if ctl := res.Verdict.Control; ctl != nil {
			fmt.Printf("known-bad twin of %v: control held=%v: %s\n", s.NegativeControlOf, ctl.Held, ctl.Message)
		}
	}
	if err != nil {
		if probe.IsSetup(err) || res == nil {
			// The cluster could not run the scenario: keep a kind cluster's logs beside the run.
			dir := filepath.Join(o.out, "cluster-logs")
			if kind == nil {
				return err
			}
			if lerr := kind.ExportLogs(context.WithoutCancel(ctx), dir); lerr == nil {
				fmt.Fprintf(os.Stderr, "cluster logs in %s\n", dir)
			}
			return err
		}
		// The run was cut short after traffic started: the engine recorded
		// why in the ledger, so the verdict is INCOMPLETE (exit 3).
		fmt.Fprintf(os.Stderr, "%s%v\n", errorPrefix, err)
	}
	return outcomeError(res.Verdict.Outcome)
}

// notRun writes s's NOT RUN reports (why: what the preflight found missing) into --out and
// returns the NOT RUN status (exit 3). No cluster was touched.
func (o *runOptions) notRun(s *scenarios.Scenario, prof profile.Profile, clusterName, why string) error {
	res, err := run.NotRun(s, o.out, why, nil)
	if err != nil {
		return err
	}
	wd, _ := os.Getwd()
	meta := run.Meta(s, prof.DataPlane(), res, clusterName, reports.Reproduce(os.Args, wd))
	if err := reports.WriteRun(o.out, meta, s.Expect, res.Verdict, res.Events); err != nil {
		return err
	}
	if err := reports.AppendStepSummary(o.out); err != nil {
		return err
	}
	printVerdict(res.Verdict, o.out)
	fmt.Fprintf(os.Stderr, "%s%s: %s: %s\n", errorPrefix, s.Name, verdict.NotRun, why)
	return outcomeError(res.Verdict.Outcome)
}

func newReportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "report DIR...",
		Short: "re-render the reports of run directories from their ledger.jsonl",
		Long: `Judge each run directory's ledger.jsonl again (with its run.json) and rewrite its reports. A
directory without ledger.jsonl is a suite: each subdirectory holding one is a run, and the
directory gets the suite's reports (and its qualification report, when it has one).`,
		Example: `  drainproof report _out/r1
  drainproof report _out/reports`,
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		},
		RunE: func(cmd *cobra.Command, args []string) error { return reportDirs(args) },
	}
}

func reportDirs(dirs []string) error {
	if len(dirs) == 0 {
		return usagef("report: give one or more run directories (each with ledger.jsonl and run.json)")
	}
	var outcomes []verdict.Outcome
	for _, dir := range dirs {
		rs, err := reports.Regenerate(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		for _, r := range rs {
			v := r.Verdict
			fmt.Printf("%s: %s %s drops=%d\n", dir, r.Run.Scenario, v.Outcome, v.Drops)
			word := "incomplete"
			if v.Outcome == verdict.NotRun {
				word = "not run"
			}
			for _, why := range v.IncompleteReasons {
				fmt.Printf("  - %s: %s\n", word, why)
			}
			outcomes = append(outcomes, v.Outcome)
		}
	}
	// The exit status of the runs themselves: a failure (1) outranks a run
	// that could not be judged (3).
	return outcomeError(verdict.Overall(outcomes...))
}
