package drainproof

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/profile"
	"github.com/drainproof/drainproof/internal/reports"
	"github.com/drainproof/drainproof/internal/run"
)

// Result is a judged run: its verdict (Verdict.Outcome is the headline),
// its events and where its reports went.
type Result = run.Result

// Run runs s once on a kind cluster (created when missing, else reused; kept
// for the next run), or on WithKubeconfig's cluster, writes its reports (WithOut, required) and returns the
// judged result. A non-nil Result comes back whenever probes ran, with an
// error when the run was cut short. When an image the run needs cannot be
// had (see WithProfileVersion), the Result's outcome is NOT RUN, its reports
// say which images are missing, and no cluster is touched.
func Run(ctx context.Context, s *Scenario, opts ...Option) (*Result, error) {
	o := build(opts)
	if o.out == "" {
		return nil, errors.New("drainproof.Run: WithOut(dir) is required")
	}
	e := &Env{Profile: s.Name, opts: o}
	if res, err := e.preflight(ctx, s, o); res != nil || err != nil {
		return res, err // NOT RUN (reports written) or bad options: no cluster made
	}
	if err := e.up(ctx, filepath.Join(o.out, "cluster-logs"), s.NodeCount()); err != nil {
		return nil, err
	}
	return e.Run(ctx, s, opts...)
}

// Run runs s on the Env's cluster (after Setup), writes its reports to
// WithOut's directory (default: the Env's reports directory/s.Name) and
// records it for the suite's reports.
func (e *Env) Run(ctx context.Context, s *Scenario, opts ...Option) (*Result, error) {
	o := e.opts
	o.out, o.keep = "", false // per run: the Env's -keep keeps its cluster, not every namespace
	for _, opt := range opts {
		opt.apply(&o)
	}
	if o.out == "" {
		o.out = filepath.Join(e.Reports, s.Name)
	}
	if e.access == nil {
		return nil, fmt.Errorf("drainproof: %s: the Env has no cluster (call Setup first)", s.Name)
	}
	if err := os.RemoveAll(o.out); err != nil {
		return nil, err
	}
	if res, err := e.preflight(ctx, s, o); res != nil || err != nil {
		return res, err
	}
	sel, _ := o.selection() // checked by preflight
	ready, err := e.ensureProfile(ctx, s.Scenario, sel)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	res, err := run.Run(ctx, run.Options{
		Scenario: s.Scenario, Files: s.files, Cluster: e.access,
		Images: ready.Images, Charts: ready.Charts, NodeImage: e.nodeImage(), OutDir: o.out, Keep: o.keep, Log: o.log,
		NotCarried: ready.DataPlane.NotCarried, Probers: o.probers,
	})
	if res != nil {
		meta := e.meta(s.Scenario, ready.DataPlane, res, o.out, sel, o.probers)
		if werr := reports.WriteRun(o.out, meta, s.Expect, res.Verdict, res.Events); werr != nil {
			err = errors.Join(err, fmt.Errorf("write reports: %w", werr))
		}
		e.record(s.Scenario, meta, res)
	}
	return res, err
}

// preflight checks, before any cluster work, that every image s's run needs
// can be had. When one cannot, s is NOT RUN: its reports (naming the missing
// images) are written to o.out and recorded for the suite, and the Result
// says so. nil, nil when the run can go ahead.
func (e *Env) preflight(ctx context.Context, s *Scenario, o options) (*Result, error) {
	sel, err := o.selection()
	if err != nil {
		return nil, err
	}
	p, err := sel.Profile(s.Profile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	err = profile.Preflight(ctx, p, image.Options{Log: o.log})
	why := profile.NotRunReason(err)
	if err != nil && why == "" {
		return nil, fmt.Errorf("%s: preflight: %w", s.Name, err)
	}
	if why == "" {
		return nil, nil
	}
	res, err := run.NotRun(s.Scenario, o.out, why, nil)
	if err != nil {
		return nil, err
	}
	meta := e.meta(s.Scenario, p.DataPlane(), res, o.out, sel, o.probers)
	if err := reports.WriteRun(o.out, meta, s.Expect, res.Verdict, res.Events); err != nil {
		return nil, fmt.Errorf("write reports: %w", err)
	}
	e.record(s.Scenario, meta, res)
	return res, nil
}

// nodeImage is the kind cluster's node image for reports ("" for an
// existing cluster: drainproof does not know its nodes' image).
func (e *Env) nodeImage() string {
	if e.Cluster == nil || e.Images == nil {
		return ""
	}
	return e.Images.NodeImageName()
}
