package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/probe/load"
	"github.com/drainproof/drainproof/internal/probe/traffic"
)

// The probe's progress while it runs: on a terminal one live line rewritten
// in place four times a second; elsewhere (CI logs, a pipe, a file) one
// whole line every --progress-every, and a last one when the probes end, so
// a log shows the run's course without carriage-return noise.

// kindCounter is a ledger sink counting the events of one kind (the probes'
// Stats have no stall counter: stalls are ledger events).
type kindCounter struct {
	kind ledger.Kind
	n    atomic.Int64
}

func (c *kindCounter) Add(e ledger.Event) error {
	if e.Kind == c.kind {
		c.n.Add(1)
	}
	return nil
}

func (c *kindCounter) Close() error { return nil }

// progress is what a status line reports.
type progress struct {
	up, planned int64 // the probe's own SSH/HTTP connections open, and how many it holds when all are up
	pooled      int64 // the load generator's pooled connections (not the probe's own: never in "up")
	load        bool
	drops       int64
	stalls      int64
	dialFails   int64
	requests    int64
	errors      int64
}

// progressOf samples the probes' counters.
func progressOf(ps traffic.Set, f *probeFlags, stalls *kindCounter) func() progress {
	return func() progress {
		var p progress
		for _, pr := range ps {
			s := pr.Stats()
			switch pr.Name() {
			case load.Name:
				p.load = true
				p.pooled += s.Open.Load()
			case "ssh":
				p.up += s.Open.Load()
				p.planned += int64(f.sessions)
			default:
				p.up += s.Open.Load()
				p.planned += int64(f.connections)
			}
			p.drops += s.Drops.Load()
			p.dialFails += s.DialFailures.Load()
			p.requests += s.Requests.Load()
			p.errors += s.Errors.Load()
		}
		p.stalls = stalls.n.Load()
		return p
	}
}

func (p progress) line(elapsed time.Duration) string {
	s := fmt.Sprintf("%6.1fs  up %d/%d  drops %d  stalls %d  dial failures %d  requests %d  errors %d",
		elapsed.Seconds(), p.up, p.planned, p.drops, p.stalls, p.dialFails, p.requests, p.errors)
	if p.load {
		s += fmt.Sprintf("  (load: %d pooled connections)", p.pooled)
	}
	return s
}

// startProgress reports sample() on w until stop is called.
func startProgress(w *os.File, every time.Duration, sample func() progress, started time.Time) (stop func()) {
	live := term.IsTerminal(int(w.Fd()))
	if !live && every <= 0 {
		return func() {}
	}
	if live {
		every = 250 * time.Millisecond
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				printProgress(w, live, sample().line(time.Since(started)))
				if live {
					fmt.Fprintln(w)
				}
				return
			case <-t.C:
				printProgress(w, live, sample().line(time.Since(started)))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func printProgress(w io.Writer, live bool, line string) {
	if live {
		fmt.Fprintf(w, "\r\033[K%s", line)
		return
	}
	fmt.Fprintf(w, "progress %s\n", line)
}
