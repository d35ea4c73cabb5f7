package http

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	nethttp "net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/probe"
)

// Name is the probe name written to every event.
const Name = "http"

// Response headers set by fixtures/httpd.
const (
	HeaderPeer = "X-Drainproof-Peer"
	HeaderPod  = "X-Drainproof-Pod"
)

// Probe implements probe.Probe. Run it once.
type Probe struct {
	cfg    Config
	target target
	label  string
	stats  probe.Stats
	// responding counts requests whose response header has arrived and whose
	// body has not ended yet (streams in flight, in stream mode).
	responding atomic.Int64

	addMu  sync.Mutex
	addErr error // first ledger error (a ledger closed under a running probe)
}

var _ probe.Probe = (*Probe)(nil)

// New validates cfg (errors are *probe.SetupError naming the flag) and
// returns a probe ready for Preflight and Run.
func New(cfg Config) (*Probe, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	label := cfg.Label
	if label == "" {
		label = "http"
		if cfg.Stream {
			label = "http-stream"
		}
	}
	return &Probe{cfg: cfg, target: newTarget(cfg), label: label}, nil
}

func (p *Probe) Name() string        { return Name }
func (p *Probe) Stats() *probe.Stats { return &p.stats }
func (p *Probe) Config() Config      { return p.cfg }
func (p *Probe) TargetURL() string   { return p.target.url }

// Responding is how many responses are under way right now: header
// received, body not yet complete. In stream mode, the live streams.
func (p *Probe) Responding() int64 { return p.responding.Load() }

func (p *Probe) connID(slot, n int) string {
	if n == 1 {
		return fmt.Sprintf("%s-%03d", p.label, slot)
	}
	return fmt.Sprintf("%s-%03d.%d", p.label, slot, n)
}

// Preflight dials the target and does one request, reading its status line
// and headers (not a whole stream). Any failure, or a status outside 200-399,
// is a *probe.SetupError naming --http: the target is unusable, not dropping.
func (p *Probe) Preflight(ctx context.Context) error {
	fail := func(format string, args ...any) error {
		return probe.Setupf(FlagURL, "%s: "+format, append([]any{p.target.url}, args...)...)
	}
	d := net.Dialer{Timeout: p.cfg.Timeout}
	nc, err := d.DialContext(ctx, "tcp", p.target.address)
	if err != nil {
		return fail("unreachable: %v", err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(p.cfg.Timeout))
	if _, err := nc.Write(p.target.request); err != nil {
		return fail("request failed: %v", err)
	}
	resp, err := nethttp.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		return fail("no HTTP response: %v", err)
	}
	// No resp.Body.Close: it would read a whole stream; closing nc is enough.
	if resp.StatusCode < 200 || resp.StatusCode > 399 {
		return fail("status %s, want 2xx or 3xx", resp.Status)
	}
	if !p.cfg.Stream {
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return fail("response body: %v", err)
		}
	}
	return nil
}

// Run holds the connections until Duration passes or ctx ends (then open
// connections are closed by the client), or every slot's Lifetime is over.
func (p *Probe) Run(ctx context.Context, l *ledger.Ledger) error {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Duration)
	defer cancel()
	start := time.Now()
	var lifetimeEnd time.Time
	if p.cfg.Lifetime > 0 {
		lifetimeEnd = start.Add(p.cfg.Lifetime)
	}
	var wg sync.WaitGroup
	n := p.cfg.Connections
	for i := 0; i < n; i++ {
		s := &slot{
			p: p, l: l, index: i, lifetimeEnd: lifetimeEnd,
			next: start.Add(p.cfg.Interval * time.Duration(i) / time.Duration(n)),
		}
		wg.Add(1)
		go func() { defer wg.Done(); s.run(ctx) }()
	}
	wg.Wait()
	p.addMu.Lock()
	defer p.addMu.Unlock()
	return p.addErr
}

// add stamps the probe's name and target on e and records it.
func (p *Probe) add(l *ledger.Ledger, e ledger.Event) {
	e.Probe = Name
	e.Target = p.target.url
	if err := l.Add(e); err != nil {
		p.addMu.Lock()
		if p.addErr == nil {
			p.addErr = fmt.Errorf("http probe: %w", err)
		}
		p.addMu.Unlock()
	}
}
