package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/probe/traffic"
)

// Attach mode's disruption: what the ledger knows of the moment the target
// was disrupted, so the verdict can check it happened and the reports use
// it as their time origin.
//
//	--disrupt CMD        runs `sh -c CMD` once every probe's traffic is
//	                     established, --disrupt-after later; DisruptionStart
//	                     before it, DisruptionDone after it with the exit
//	                     status in Code (non-zero, or killed at --duration:
//	                     the run is INCOMPLETE). A command that never got to
//	                     run is an Incomplete event, never a silent pass.
//	--mark-on-signal     each SIGUSR1 records a marker (DisruptionStart and
//	                     DisruptionDone, action "marker"): a disruption made
//	                     by someone else, at the moment they say.

// disruptAction is the action name the ledger gives a --disrupt command.
const disruptAction = "command"

// runDisruption waits for the traffic, then --disrupt-after, then runs the
// command, recording it. Waiting stops when the probes end (probesDone): a
// command that never started is an Incomplete event. A started command runs
// until it exits or ctx (--duration, or an interrupt) ends: probes that end
// first, because the disruption dropped every connection, never cut it
// (that would turn the drops it caused into an INCOMPLETE run).
func runDisruption(ctx, probesDone context.Context, l *ledger.Ledger, ps traffic.Set, f *probeFlags) {
	incomplete := func(why string) {
		_ = l.Add(ledger.Event{Kind: ledger.Incomplete, Probe: "disrupt", Error: "--disrupt never ran: " + why})
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for !ps.Established() {
		select {
		case <-probesDone.Done():
			incomplete("the probes' traffic was not established before the probe ended")
			return
		case <-t.C:
		}
	}
	if f.disruptAfter > 0 {
		select {
		case <-probesDone.Done():
			incomplete(fmt.Sprintf("the probe ended within --disrupt-after %s", f.disruptAfter))
			return
		case <-time.After(f.disruptAfter):
		}
	}
	detail := func() map[string]string { return map[string]string{"action": disruptAction, "target": f.disrupt} }
	cmd := exec.CommandContext(ctx, "sh", "-c", f.disrupt)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.WaitDelay = 5 * time.Second
	_ = l.Add(ledger.Event{Kind: ledger.DisruptionStart, Probe: "disrupt", Detail: detail()})
	err := cmd.Run()
	done := ledger.Event{Kind: ledger.DisruptionDone, Probe: "disrupt", Detail: detail()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ctx.Err() != nil:
		done.Code, done.Error = -1, fmt.Sprintf("killed: still running at the end of the probe (%v)", context.Cause(ctx))
	case errors.As(err, &ee):
		done.Code = ee.ExitCode()
		if done.Code < 0 { // killed by a signal from elsewhere
			done.Error = ee.String()
		}
	case err != nil:
		done.Code, done.Error = -1, err.Error()
	}
	_ = l.Add(done)
}

// markOnSignal records a marker for each SIGUSR1 until ctx ends.
func markOnSignal(ctx context.Context, l *ledger.Ledger) (stop func()) {
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, syscall.SIGUSR1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-ch:
				d := map[string]string{"action": "marker", "target": "SIGUSR1"}
				_ = l.Add(ledger.Event{Kind: ledger.DisruptionStart, Probe: "disrupt", Detail: d})
				_ = l.Add(ledger.Event{Kind: ledger.DisruptionDone, Probe: "disrupt", Detail: d})
			}
		}
	}()
	return func() { signal.Stop(ch); <-done }
}
