package remote

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/probe"
)

// Source is where one prober runs: its stream, its clock, its fate.
type Source interface {
	// Open opens the prober's stream from its first line, following it
	// until the prober ends. It fails while the prober has not started.
	Open(ctx context.Context) (io.ReadCloser, error)
	// Clock asks the prober for its time (see ClockPath).
	Clock(ctx context.Context) (time.Time, error)
	// Ended says whether the prober has ended (its stream can hold no
	// more lines) and how.
	Ended(ctx context.Context) (how string, ended bool, err error)
	// Stop asks the prober to end its traffic as the client and finish its stream.
	Stop(ctx context.Context) error
	// Where says where the prober runs, for the ledger (e.g. "node dp-worker").
	Where(ctx context.Context) string
}

// Timeouts of a prober's stream.
const (
	// StartTimeout bounds a prober's start: its stream opens and its
	// preflight (targets accepting, host key, credentials) is done.
	StartTimeout = 3 * time.Minute
	// ReadTimeout is how long a stream may stay unreadable (reopen
	// failing) before the prober counts as lost.
	ReadTimeout = 30 * time.Second
	// StopTimeout bounds the end of a stopped prober's stream.
	StopTimeout = time.Minute
	// ClockSamples is how many clock samples estimate the offset.
	ClockSamples = 7
)

// reopenEvery paces reopening a stream that failed to open.
const reopenEvery = time.Second

// Probe is one prober's traffic as a probe.Probe of the harness: Preflight
// waits for the prober's own preflight and measures its clock offset; Run
// merges its stream into the ledger until its done line.
type Probe struct {
	src    Source
	m      *Merger
	stream io.ReadCloser
	r      *bufio.Reader
	offset Offset
}

// New is the prober name's probe on src; log receives its own output.
func New(name string, src Source, log io.Writer) *Probe {
	return &Probe{src: src, m: &Merger{Name: name, Log: log}}
}

// Name is the prober's name.
func (p *Probe) Name() string { return p.m.Name }

// Stats are counted from the merged events.
func (p *Probe) Stats() *probe.Stats { return &p.m.stats }

// Established says the prober reported its traffic up.
func (p *Probe) Established() bool { return p.m.Established() }

// Offset is the measured clock offset (after Preflight).
func (p *Probe) Offset() Offset { return p.offset }

// Preflight waits until the prober passed its own preflight, then measures
// its clock offset. The prober's setup error is a *probe.SetupError.
func (p *Probe) Preflight(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	for !p.m.preflight {
		if err := p.open(ctx, StartTimeout); err != nil {
			return probe.Setupf("prober "+p.Name(), "%v", err)
		}
		err := p.follow(ctx, func() bool { return p.m.preflight || p.m.setup != "" || p.m.done != nil })
		switch {
		case p.m.setup != "":
			return probe.Setupf("prober "+p.Name(), "%s", p.m.setup)
		case p.m.done != nil && !p.m.preflight:
			return probe.Setupf("prober "+p.Name(), "ended before its preflight: %s", strings.Join(p.m.done.Errors, "; "))
		case errors.Is(err, errMerge):
			return probe.Setupf("prober "+p.Name(), "%v", err)
		case err != nil && !p.m.preflight:
			if how, ended, _ := p.src.Ended(ctx); ended {
				return probe.Setupf("prober "+p.Name(), "ended before its preflight (%s): %v", how, err)
			}
		}
	}
	off, err := MeasureOffset(ctx, p.src.Clock, ClockSamples)
	if err != nil {
		return probe.Setupf("prober "+p.Name(), "clock offset: %v", err)
	}
	p.offset = off
	p.m.Offset = off.Offset
	return nil
}

// Run records the prober's offset, then merges its stream into l until its
// done line. A stream that ends otherwise (the prober died, its log cannot
// be read for ReadTimeout, lines are missing) is an error: the run cannot be
// judged. On cancellation the prober is stopped (its connections closed as
// the client) and its stream read to its end.
//
// An error is also recorded in l as an Incomplete event: the ledger alone
// says why the run cannot be judged.
func (p *Probe) Run(ctx context.Context, l *ledger.Ledger) error {
	p.m.Ledger = l
	d := p.offset.Detail()
	d["prober"], d["where"] = p.Name(), p.src.Where(ctx)
	_ = l.Add(ledger.Event{Kind: ledger.Note, Probe: "prober", Detail: d})
	err := p.merge(ctx)
	if err != nil {
		_ = l.Add(ledger.Event{Kind: ledger.Incomplete, Probe: "prober", Error: err.Error()})
	}
	return err
}

// merge is Run's loop.
func (p *Probe) merge(ctx context.Context) error {
	defer func() {
		if p.stream != nil {
			_ = p.stream.Close()
		}
	}()
	readCtx := ctx
	stopped := false
	for {
		err := p.follow(readCtx, func() bool { return p.m.done != nil })
		if d := p.m.done; d != nil {
			if len(d.Errors) > 0 {
				return fmt.Errorf("prober %s: %s", p.Name(), strings.Join(d.Errors, "; "))
			}
			return nil
		}
		if errors.Is(err, errMerge) {
			return err
		}
		if ctx.Err() != nil && !stopped {
			// Cancelled: the prober closes its connections as the client
			// and ends its stream; read it to the end.
			stopped = true
			var cancel context.CancelFunc
			readCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), StopTimeout)
			defer cancel()
			if serr := p.src.Stop(readCtx); serr != nil {
				return fmt.Errorf("prober %s: stop: %w", p.Name(), serr)
			}
		} else if how, ended, _ := p.src.Ended(readCtx); ended {
			return fmt.Errorf("prober %s ended (%s) before its stream's done line, after %d lines", p.Name(), how, p.m.Lines())
		}
		if oerr := p.open(readCtx, ReadTimeout); oerr != nil {
			return fmt.Errorf("prober %s: stream lost after %d lines (%v): %w", p.Name(), p.m.Lines(), err, oerr)
		}
	}
}

var errMerge = errors.New("stream")

// open (re)opens the stream from its start, retrying for up to within.
func (p *Probe) open(ctx context.Context, within time.Duration) error {
	if p.stream != nil {
		_ = p.stream.Close()
		p.stream, p.r = nil, nil
	}
	deadline := time.Now().Add(within)
	for {
		s, err := p.src.Open(ctx)
		if err == nil {
			p.stream, p.r = s, bufio.NewReaderSize(s, 64<<10)
			return nil
		}
		if how, ended, _ := p.src.Ended(ctx); ended {
			return fmt.Errorf("open stream: %v (prober ended: %s)", err, how)
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("open stream: %v (for %s)", err, within)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("open stream: %v (%w)", err, context.Cause(ctx))
		case <-time.After(reopenEvery):
		}
	}
}

// follow merges lines from the open stream until enough() holds after a
// line, or the stream ends (io.EOF or its error). A merge error wraps errMerge.
func (p *Probe) follow(ctx context.Context, enough func() bool) error {
	if p.r == nil {
		return errors.New("no stream")
	}
	stop := context.AfterFunc(ctx, func() { _ = p.stream.Close() })
	defer stop()
	for {
		b, err := p.r.ReadBytes('\n')
		if len(b) > 0 && (err == nil || errors.Is(err, io.EOF)) {
			// A last line without its newline is whole only if it parses;
			// a torn one is read again, whole, after a reopen.
			if merr := p.m.Merge(b); merr != nil {
				if err == nil {
					return fmt.Errorf("%w: %w", errMerge, merr)
				}
			} else if enough() {
				return nil
			}
		}
		if err != nil {
			return err
		}
	}
}
