package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/probe"
	"github.com/drainproof/drainproof/internal/probe/traffic"
	"github.com/drainproof/drainproof/internal/reports"
	"github.com/drainproof/drainproof/internal/verdict"
)

type probeFlags struct {
	ssh, sshUser, sshKey, sshKnownHosts string
	sessions                            int
	heartbeat, lifetime, duration       time.Duration
	httpURL                             string
	connections                         int
	interval                            time.Duration
	loadURL                             string
	rate                                int
	out                                 string
	maxDrops, maxDialFailures           int
	minSuccess                          float64
	set                                 []string // flags given on the command line
	disrupt                             string
	disruptAfter                        time.Duration
	markOnSignal                        bool
	progressEvery                       time.Duration // non-terminal progress lines
}

// expect is what the verdict tolerates: nothing, unless a flag says so. The
// defaults of --max-dial-failures and --min-success-ratio are the verdict's
// own (verdict.Expect: 0 once a probe dialled, 1.0 once there were requests),
// so only flags given are passed on: a --min-success-ratio set on an SSH-only
// probe would otherwise fail for want of requests.
func (f *probeFlags) expect() verdict.Expect {
	exp := verdict.Expect{MaxDrops: &f.maxDrops}
	if slices.Contains(f.set, "max-dial-failures") {
		exp.MaxDialFailures = &f.maxDialFailures
	}
	if slices.Contains(f.set, "min-success-ratio") {
		exp.MinSuccessRatio = &f.minSuccess
	}
	return exp
}

func newProbeCmd() *cobra.Command {
	var f probeFlags
	cmd := &cobra.Command{
		Use:   "probe (--ssh HOST:PORT | --http URL | --load URL)... --out DIR [flags]",
		Short: "attach mode: probe existing addresses while someone else disrupts the target, then judge",
		Long: `Attach mode: hold SSH sessions (--ssh), keep-alive HTTP connections (--http) and/or a vegeta
load (--load) against addresses you already have, while the target is disrupted by --disrupt, by
you (--mark-on-signal records when), or by anything else; then judge the run. Any drop, dial
failure or failed request fails the verdict unless a --max-*/--min-* flag tolerates it.

On a terminal the probe keeps one live status line; elsewhere (CI logs) it prints one progress
line every few seconds. "up" counts the probe's own SSH and HTTP connections (not the load
generator's pooled ones).`,
		Example: `  drainproof probe --ssh 127.0.0.1:2222 --ssh-key id_ed25519 --ssh-known-hosts known_hosts \
    --sessions 10 --lifetime 20s --duration 60s --disrupt 'systemctl reload haproxy' --out _out/probe
  drainproof probe --http http://127.0.0.1:8080/ --load http://127.0.0.1:8080/ --rate 200 \
    --duration 30s --mark-on-signal --out _out/probe`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.Flags().Visit(func(fl *pflag.Flag) { f.set = append(f.set, fl.Name) })
			return f.run(cmd.Context())
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVar(&f.ssh, "ssh", "", "HOST:PORT of an SSH listener to hold sessions through")
	fs.StringVar(&f.sshUser, "ssh-user", "drainproof", "SSH user")
	fs.StringVar(&f.sshKey, "ssh-key", "", "private key `FILE` for SSH public-key auth")
	fs.StringVar(&f.sshKnownHosts, "ssh-known-hosts", "", "known_hosts `FILE` pinning the server's host key")
	fs.IntVar(&f.sessions, "sessions", 10, "SSH sessions opened at start")
	fs.DurationVar(&f.heartbeat, "heartbeat", 100*time.Millisecond, "SSH heartbeat interval")
	fs.DurationVar(&f.lifetime, "lifetime", 0, "how long each session/connection/attack lives before the client ends it cleanly (default: --duration)")
	fs.StringVar(&f.httpURL, "http", "", "`URL` to hold keep-alive HTTP connections to")
	fs.IntVar(&f.connections, "connections", 10, "keep-alive HTTP connections")
	fs.DurationVar(&f.interval, "interval", 100*time.Millisecond, "one HTTP request per interval per connection")
	fs.StringVar(&f.loadURL, "load", "", "`URL` to attack at --rate with vegeta")
	fs.IntVar(&f.rate, "rate", 200, "load requests per second")
	fs.DurationVar(&f.duration, "duration", 30*time.Second, "hard limit of the whole probe")
	fs.StringVar(&f.out, "out", "", "`DIR` for ledger.jsonl, verdict.json, junit.xml, summary.md, report.html (required)")
	fs.StringVar(&f.disrupt, "disrupt", "", "`COMMAND` run with sh -c once traffic is established (after --disrupt-after); its start, end and exit status are the run's disruption")
	fs.DurationVar(&f.disruptAfter, "disrupt-after", 0, "wait this long after traffic is established before running --disrupt")
	fs.BoolVar(&f.markOnSignal, "mark-on-signal", false, "record a disruption marker each time the probe gets SIGUSR1 (a disruption made by someone else)")
	fs.IntVar(&f.maxDrops, "max-drops", 0, "drops tolerated before the verdict fails")
	fs.IntVar(&f.maxDialFailures, "max-dial-failures", 0, "dial failures (refused, unreachable, timed out) tolerated before the verdict fails")
	fs.Float64Var(&f.minSuccess, "min-success-ratio", 1, "fail when the HTTP/load success ratio drops below this (1: every request must succeed)")
	fs.DurationVar(&f.progressEvery, "progress-every", 5*time.Second, "on a non-terminal, print a progress line this often")
	_ = fs.MarkHidden("progress-every") // for tests; CI logs want the default
	_ = cmd.MarkFlagDirname("out")
	_ = cmd.MarkFlagFilename("ssh-key")
	_ = cmd.MarkFlagFilename("ssh-known-hosts")
	return cmd
}

// run probes, judges and writes the reports.
func (f *probeFlags) run(ctx context.Context) error {
	probes, err := f.build()
	if err != nil {
		return err
	}
	for _, p := range probes {
		if err := p.Preflight(ctx); err != nil {
			return err
		}
	}
	sink, err := ledger.CreateJSONLines(filepath.Join(f.out, "ledger.jsonl"))
	if err != nil {
		return usagef("--out: %v", err)
	}
	stalls := &kindCounter{kind: ledger.Stall}
	l := ledger.New(sink, stalls)
	started := time.Now()
	runCtx, cancel := context.WithTimeoutCause(ctx, f.duration, fmt.Errorf("--duration %s reached", f.duration))
	defer cancel()
	stopProgress := startProgress(os.Stderr, f.progressEvery, progressOf(probes, f, stalls), started)
	var wg sync.WaitGroup
	errs := make([]error, len(probes))
	cut := make([]bool, len(probes)) // the probe was still running when --duration ended it
	stopMarks := func() {}
	if f.markOnSignal { // before any traffic: a SIGUSR1 must never find the default action
		stopMarks = markOnSignal(runCtx, l)
	}
	for i, p := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.Run(runCtx, l)
			cut[i] = runCtx.Err() != nil
		}()
	}
	var side sync.WaitGroup
	probesDone, probesEnded := context.WithCancel(runCtx)
	defer probesEnded()
	if f.disrupt != "" {
		side.Add(1)
		go func() { defer side.Done(); runDisruption(runCtx, probesDone, l, probes, f) }()
	}
	wg.Wait()
	probesEnded() // a --disrupt command not yet started never will; one running goes on until --duration
	side.Wait()
	cancel()
	stopMarks()
	stopProgress()
	for _, err := range errs {
		// Bad setup met mid-run (a host key that changed behind the address):
		// exit 2 naming the flag, no verdict. The ledger keeps what happened
		// (its Incomplete event): `drainproof report` judges it INCOMPLETE.
		if probe.IsSetup(err) {
			return errors.Join(err, l.Close())
		}
	}
	for _, why := range f.incomplete(ctx, probes, errs, cut) {
		if err := l.Add(ledger.Event{Kind: ledger.Incomplete, Probe: "probe", Error: why}); err != nil {
			return err
		}
	}
	if err := l.Close(); err != nil {
		return err
	}
	exp := f.expect()
	v := verdict.Evaluate(exp, l.Events())
	meta := reports.Run{Scenario: "probe", Description: "attach mode: " + f.targets(), Started: started, Finished: time.Now(), Command: os.Args}
	if err := reports.WriteRun(f.out, meta, exp, v, l.Events()); err != nil {
		return err
	}
	if err := reports.AppendStepSummary(f.out); err != nil {
		return err
	}
	printVerdict(v, f.out)
	return outcomeError(v.Outcome)
}

// incomplete says why the probe's run cannot be judged (nil when it can):
// interrupted by a signal, a probe failing, or --duration ending sessions
// that --lifetime meant to live longer. With --lifetime unset the sessions
// are meant to live until --duration, so reaching it is the plan.
func (f *probeFlags) incomplete(ctx context.Context, probes traffic.Set, errs []error, cut []bool) []string {
	var out []string
	if ctx.Err() != nil {
		out = append(out, fmt.Sprintf("interrupted (%v) before the probe finished", context.Cause(ctx)))
	}
	for i, p := range probes {
		if errs[i] != nil {
			out = append(out, fmt.Sprintf("%s probe failed: %v", p.Name(), errs[i]))
		}
		if ctx.Err() == nil && cut[i] && f.lifetime > 0 && f.lifetime < f.duration {
			out = append(out, fmt.Sprintf("--duration %s reached while %s connections were still meant to live (--lifetime %s)", f.duration, p.Name(), f.lifetime))
		}
	}
	return out
}

// build validates the flags and constructs the probes; every error names a flag.
func (f *probeFlags) build() (traffic.Set, error) {
	if f.out == "" {
		return nil, usagef("--out: required")
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return nil, usagef("--out: %v", err)
	}
	if f.duration <= 0 {
		return nil, usagef("--duration: must be > 0, got %s", f.duration)
	}
	if f.lifetime < 0 {
		return nil, usagef("--lifetime: must be > 0, got %s", f.lifetime)
	}
	if f.lifetime > f.duration {
		return nil, usagef("--lifetime: %s is longer than --duration %s (the probe would cut every session short)", f.lifetime, f.duration)
	}
	if f.maxDrops < 0 {
		return nil, usagef("--max-drops: must be >= 0")
	}
	if f.disruptAfter < 0 {
		return nil, usagef("--disrupt-after: must not be negative, got %s", f.disruptAfter)
	}
	if f.disruptAfter > 0 && f.disrupt == "" {
		return nil, usagef("--disrupt-after: set without --disrupt")
	}
	if f.disruptAfter >= f.duration {
		return nil, usagef("--disrupt-after: %s is not within --duration %s", f.disruptAfter, f.duration)
	}
	if f.maxDialFailures < 0 {
		return nil, usagef("--max-dial-failures: must be >= 0")
	}
	if !(f.minSuccess >= 0 && f.minSuccess <= 1) {
		return nil, usagef("--min-success-ratio: must be within [0, 1], got %v", f.minSuccess)
	}
	life := f.lifetime
	if life == 0 {
		life = f.duration
	}
	var spec traffic.Spec
	if f.ssh != "" {
		spec.SSH = &traffic.SSH{Addr: f.ssh, User: f.sshUser, KeyFile: f.sshKey, KnownHostsFile: f.sshKnownHosts,
			Sessions: f.sessions, Heartbeat: f.heartbeat, Lifetime: life}
	}
	if f.httpURL != "" {
		spec.HTTP = &traffic.HTTP{URL: f.httpURL, Connections: f.connections, Interval: f.interval, Lifetime: life, Duration: f.duration}
	}
	if f.loadURL != "" {
		spec.Load = &traffic.Load{URL: f.loadURL, Rate: f.rate, Duration: life}
	}
	ps, err := traffic.New(spec)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, usagef("nothing to probe: give --ssh, --http or --load")
	}
	return ps, nil
}

func printVerdict(v verdict.Verdict, out string) {
	status := string(v.Outcome)
	fmt.Printf("%s: %d connections, %d drops, %d stalls, %d dial failures, %d requests (%d errors); report in %s\n",
		status, v.Connections, v.Drops, v.Stalls, v.DialFailures, v.Requests, v.Errors, out)
	if o := v.Outbound; o != nil {
		fmt.Printf("  outbound calls: %d, %d inside a drain window, %d of them succeeded (%.3f)\n", o.Calls, o.InWindow, o.Succeeded, o.Ratio)
	}
	why := "incomplete"
	if v.Outcome == verdict.NotRun {
		why = "not run"
	}
	for _, r := range v.IncompleteReasons {
		fmt.Printf("  - %s: %s\n", why, r)
	}
	if v.Outcome == verdict.NotRun {
		return // nothing ran: no check says anything
	}
	// One line per failed check; a drop is one row: its pod's line, never
	// once per connection (report.html and summary.md fold the detail).
	for _, f := range v.Findings {
		if !f.Pass && f.Check != verdict.CheckComplete && f.Conn == "" {
			fmt.Printf("  - %s: %s\n", f.Check, f.Message)
		}
	}
	for _, p := range v.Pods {
		if p.Drops > 0 {
			fmt.Printf("    %s: %d of %d connections dropped\n", p.Pod, p.Drops, p.Connections)
		}
	}
}

func (f *probeFlags) targets() string {
	var t []string
	for _, s := range []string{f.ssh, f.httpURL, f.loadURL} {
		if s != "" {
			t = append(t, s)
		}
	}
	return strings.Join(t, ", ")
}
