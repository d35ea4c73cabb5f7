package run

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/drainproof/drainproof/internal/buildinfo"
	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/reports"
	"github.com/drainproof/drainproof/internal/verdict"
	"github.com/drainproof/drainproof/scenarios"
)

// NotRun records that s was not run because of reason (what cannot be had here, e.g. the
// images a preflight found missing) and judges it: outDir gets a ledger.jsonl holding one
// ledger.NotRun event, so the verdict (and `drainproof report` later) is NOT RUN, never a
// pass. Nothing touches a cluster. images is the image table the run would have used.
func NotRun(s *scenarios.Scenario, outDir, reason string, images map[string]string) (*Result, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("--out %s: %w", outDir, err)
	}
	sink, err := ledger.CreateJSONLines(filepath.Join(outDir, "ledger.jsonl"))
	if err != nil {
		return nil, err
	}
	l := ledger.New(sink)
	now := time.Now()
	if err := l.Add(ledger.Event{Time: now, Kind: ledger.NotRun, Probe: "preflight", Error: reason}); err != nil {
		_ = l.Close()
		return nil, err
	}
	if err := l.Close(); err != nil {
		return nil, err
	}
	evs := l.Events()
	return &Result{
		Started: now, Finished: now, Events: evs, Verdict: verdict.Evaluate(s.Expect, evs),
		Env: reports.Environment{Drainproof: buildinfo.Version(), Commit: buildinfo.Commit(), Images: images, Host: buildinfo.Host()},
	}, nil
}
