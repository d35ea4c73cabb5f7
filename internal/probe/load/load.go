// Package load is drainproof's load probe: a vegeta attack (the
// github.com/tsenart/vegeta/v12/lib package) of GETs on one URL at a constant
// rate for a duration. Every vegeta Result becomes one ledger.Hit event the
// moment it arrives (nothing is buffered for the whole attack):
//
//   - Time is the result's timestamp (when the hit was sent), Latency its
//     latency, Code the status (0 when no response), Error vegeta's error
//     (a transport failure, or the status line for codes outside 200-399),
//     Peer and Pod the response's X-Drainproof-Peer and X-Drainproof-Pod.
//   - Cause is ledger.CauseOf vegeta's error text (vegeta keeps only the
//     text), or ledger.CauseStatus for an answer with a failing status.
//
// Hits are not drops: this probe has no connections of its own to lose
// (vegeta pools keep-alive connections and may retry a GET on a fresh one);
// it measures the success of a steady stream of requests over time.
//
// When the run ends early (ctx cancelled) the attack stops, open connections
// are closed, and hits that fail only because of that close are not recorded
// (the client cut them, the target did nothing wrong). Proxies from the
// environment are ignored: the probe talks to the URL it was given.
package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/probe"
)

// Name is the probe name written to every event.
const Name = "load"

// Response headers set by fixtures/httpd.
const (
	HeaderPeer = "X-Drainproof-Peer"
	HeaderPod  = "X-Drainproof-Pod"
)

// Probe implements probe.Probe. Run it once.
type Probe struct {
	cfg   Config
	stats probe.Stats

	mu      sync.Mutex
	aborted int64 // hits cut by the run's early end, not recorded
}

var _ probe.Probe = (*Probe)(nil)

// New validates cfg (errors are *probe.SetupError naming the flag).
func New(cfg Config) (*Probe, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Probe{cfg: cfg}, nil
}

func (p *Probe) Name() string        { return Name }
func (p *Probe) Stats() *probe.Stats { return &p.stats }
func (p *Probe) Config() Config      { return p.cfg }

// Aborted is how many hits the run's early end cut (and left unrecorded).
func (p *Probe) Aborted() int64 { p.mu.Lock(); defer p.mu.Unlock(); return p.aborted }

// Preflight does one GET; a failure or a status outside 200-399 is a
// *probe.SetupError naming --load.
func (p *Probe) Preflight(ctx context.Context) error {
	c := &http.Client{Timeout: p.cfg.Timeout, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.cfg.URL, nil)
	if err != nil {
		return probe.Setupf(FlagURL, "%s: %v", p.cfg.URL, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return probe.Setupf(FlagURL, "%s: unreachable: %v", p.cfg.URL, err)
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 399 {
		return probe.Setupf(FlagURL, "%s: status %s, want 2xx or 3xx", p.cfg.URL, resp.Status)
	}
	return nil
}

// Run attacks for Duration (or until ctx ends), recording each hit as it
// arrives, and returns when every hit has been recorded.
func (p *Probe) Run(ctx context.Context, l *ledger.Ledger) error {
	conns := newTracker(p.cfg.Timeout, &p.stats)
	client := &http.Client{
		Timeout: p.cfg.Timeout,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         conns.dial,
			MaxIdleConnsPerHost: vegeta.DefaultConnections,
			IdleConnTimeout:     90 * time.Second,
		},
	}
	atk := vegeta.NewAttacker(
		vegeta.Client(client),
		vegeta.MaxBody(0), // the body is read and discarded, never kept
		vegeta.Workers(uint64(p.cfg.Workers)),
	)
	targeter := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: p.cfg.URL})
	pacer := vegeta.ConstantPacer{Freq: p.cfg.Rate, Per: time.Second}
	results := atk.Attack(targeter, pacer, p.cfg.Duration, "drainproof")

	var abortAt time.Time
	stop := ctx.Done()
	var addErr error
	for {
		select {
		case r, ok := <-results:
			if !ok {
				conns.closeAll()
				return addErr
			}
			if !abortAt.IsZero() && r.Error != "" && !r.End().Before(abortAt) {
				p.mu.Lock()
				p.aborted++
				p.mu.Unlock()
				continue
			}
			if err := l.Add(p.hit(r)); err != nil && addErr == nil {
				addErr = fmt.Errorf("load probe: %w", err)
			}
		case <-stop:
			stop = nil
			abortAt = time.Now()
			atk.Stop()
			conns.closeAll()
		}
	}
}

// hit turns a vegeta result into a ledger event and counts it.
func (p *Probe) hit(r *vegeta.Result) ledger.Event {
	e := ledger.Event{
		Time:    r.Timestamp,
		Kind:    ledger.Hit,
		Probe:   Name,
		Target:  p.cfg.URL,
		Code:    int(r.Code),
		Latency: r.Latency,
		Error:   r.Error,
	}
	if r.Headers != nil {
		e.Peer = r.Headers.Get(HeaderPeer)
		e.Pod = r.Headers.Get(HeaderPod)
	}
	p.stats.Requests.Add(1)
	if r.Error != "" {
		p.stats.Errors.Add(1)
		e.Cause = hitCause(r)
	}
	return e
}

// hitCause names how a hit failed. vegeta keeps only its error's text, which
// ledger.CauseOf reads as well as a typed error.
func hitCause(r *vegeta.Result) ledger.Cause {
	if r.Code != 0 {
		return ledger.CauseStatus
	}
	return ledger.CauseOf(errors.New(r.Error))
}
