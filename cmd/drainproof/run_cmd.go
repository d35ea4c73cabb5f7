package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/drainproof/drainproof/harness/cluster"
	"github.com/drainproof/drainproof/harness/profile"
	"github.com/drainproof/drainproof/harness/run"
	"github.com/drainproof/drainproof/reports"
	"github.com/drainproof/drainproof/scenarios"
)

func init() {
	register("run", "run one scenario on a kind cluster (created or reused) and judge it", runCmd)
	register("report", "re-render the reports of run directories from their ledger.jsonl", reportCmd)
}

func runCmd(ctx context.Context, args []string) error {
	fs := newFlags("run")
	ref := fs.String("scenario", "", "scenario NAME from `drainproof list`, or a scenario FILE (required)")
	out := fs.String("out", "", "DIR for ledger.jsonl and reports (required)")
	airGapped := fs.Bool("air-gapped", false, "use drainproof's own node image, built from Go modules and Debian (no registry)")
	name := fs.String("cluster", cluster.DefaultName, "kind cluster to use; created when missing and left for reuse")
	keep := fs.Bool("keep", false, "leave the run's namespace (and a cluster whose creation failed) for inspection")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *ref == "" {
		return usagef("--scenario: required (see `drainproof list`)")
	}
	if *out == "" {
		return usagef("--out: required")
	}
	cat, err := scenarios.Builtin()
	if err != nil {
		return err
	}
	s, files, err := cat.Resolve(*ref)
	if err != nil {
		return usageError{err.Error()}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return usagef("--out: %v", err)
	}
	c, imgs, err := cluster.Up(ctx, cluster.UpOptions{Name: *name, AirGapped: *airGapped, Keep: *keep,
		LogsDir: filepath.Join(*out, "cluster-logs"), Log: os.Stderr})
	if err != nil {
		return err
	}
	ready, err := profile.Ensure(ctx, c, s.Profile, profile.BaseTable(imgs), os.Stderr)
	if err != nil {
		return err
	}
	res, err := run.Run(ctx, run.Options{Scenario: s, Files: files, Config: c.RESTConfig(),
		Images: ready.Images, NodeImage: imgs.Node, OutDir: *out, Keep: *keep, Log: os.Stderr})
	if res != nil {
		wd, _ := os.Getwd()
		meta := run.Meta(s, ready.DataPlane, res, c.Name, reports.Reproduce(os.Args, wd))
		if werr := reports.WriteRun(*out, meta, s.Expect, res.Verdict, res.Events); werr != nil {
			err = errors.Join(err, werr)
		}
		printVerdict(res.Verdict, *out)
		if ctl := res.Verdict.Control; ctl != nil {
			fmt.Printf("known-bad twin of %v: control held=%v: %s\n", s.NegativeControlOf, ctl.Held, ctl.Message)
		}
	}
	if err != nil {
		var se *run.SetupError
		if errors.As(err, &se) || res == nil {
			// The cluster could not run the scenario: keep its logs beside the run.
			dir := filepath.Join(*out, "cluster-logs")
			if lerr := c.ExportLogs(context.WithoutCancel(ctx), dir); lerr == nil {
				fmt.Fprintf(os.Stderr, "cluster logs in %s\n", dir)
			}
			return err
		}
		// The run was cut short after traffic started: the engine recorded
		// why in the ledger, so the verdict is INCOMPLETE (exit 3).
		fmt.Fprintf(os.Stderr, "drainproof run: %v\n", err)
	}
	return outcomeError(res.Verdict)
}

func reportCmd(ctx context.Context, args []string) error {
	fs := newFlags("report")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() == 0 {
		return usagef("report: give one or more run directories (each with ledger.jsonl and run.json)")
	}
	green := true
	for _, dir := range fs.Args() {
		rs, err := reports.Regenerate(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		for _, r := range rs {
			v := r.Verdict
			fmt.Printf("%s: %s %s drops=%d\n", dir, r.Run.Scenario, v.Outcome, v.Drops)
			for _, why := range v.IncompleteReasons {
				fmt.Printf("  - incomplete: %s\n", why)
			}
			green = green && v.Outcome.OK()
		}
	}
	if !green { // exit 1, as for the run itself: a re-judged run is not green either
		return errVerdictFailed
	}
	return nil
}
