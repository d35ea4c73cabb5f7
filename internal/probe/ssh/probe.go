package ssh

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/probe"
)

// Name is the probe name written to every event.
const Name = "ssh"

// Probe implements probe.Probe. Run it once.
type Probe struct {
	cfg      Config
	label    string
	signer   gossh.Signer
	hostKeys *hostKeys
	client   *gossh.ClientConfig // shared base; dial copies it per connection
	epoch    time.Time           // heartbeat send times are monotonic offsets from here
	stats    probe.Stats

	heartbeats atomic.Int64 // echoes received, all sessions
	stalls     atomic.Int64

	beats *beats // heartbeat scheduler, while Run runs

	// drive runs one established session to its end; nil is live. Only the
	// benchmarks set it, to the per-session ticker this package used before
	// the shared scheduler, so both are measured in one run.
	drive func(ctx context.Context, l *ledger.Ledger, s *session, end time.Time) (byClient bool)
}

var _ probe.Probe = (*Probe)(nil)

// New validates cfg, reads the private key and the known_hosts file, and
// returns a probe ready for Preflight and Run. Every error is a
// *probe.SetupError naming the flag or file at fault.
func New(cfg Config) (*Probe, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.DialConcurrency == 0 {
		cfg.DialConcurrency = DefaultDialConcurrency
	}
	signer, err := loadSigner(cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	hk, err := loadHostKeys(cfg.KnownHostsFile, cfg.Addr)
	if err != nil {
		return nil, err
	}
	label := cfg.Label
	if label == "" {
		label = Name
	}
	return &Probe{
		cfg:      cfg,
		label:    label,
		signer:   signer,
		hostKeys: hk,
		client: &gossh.ClientConfig{
			User:              cfg.User,
			Auth:              []gossh.AuthMethod{gossh.PublicKeys(signer)},
			HostKeyAlgorithms: hk.algorithms,
			// HostKeyCallback is set per connection in handshake, always
			// to the pinned known_hosts check.
		},
		epoch: time.Now(),
	}, nil
}

func (p *Probe) Name() string        { return Name }
func (p *Probe) Stats() *probe.Stats { return &p.stats }
func (p *Probe) Config() Config      { return p.cfg }

// Heartbeats is the number of heartbeat echoes received so far, all sessions.
func (p *Probe) Heartbeats() int64 { return p.heartbeats.Load() }

// Stalls is the number of Stall events recorded so far.
func (p *Probe) Stalls() int64 { return p.stalls.Load() }

func (p *Probe) connID(slot, n int) string {
	if n == 1 {
		return fmt.Sprintf("%s-%04d", p.label, slot)
	}
	return fmt.Sprintf("%s-%04d.%d", p.label, slot, n)
}

// Preflight does what one session does, once: connect, handshake with the
// pinned host key, authenticate, exec the command, see one heartbeat echoed;
// then it closes. Any failure is a *probe.SetupError naming the flag or
// file at fault: a target that cannot be probed is not dropping.
func (p *Probe) Preflight(ctx context.Context) error {
	c, derr := p.dial(ctx)
	if derr != nil {
		return derr.setup
	}
	defer c.close()
	c.tc.SetDeadline(time.Now().Add(p.cfg.DialTimeout))
	if _, err := c.stdin.Write([]byte("hb 0\n")); err != nil {
		return probe.Setupf(FlagAddr, "%s: writing to %q: %v", p.cfg.Addr, p.cfg.Command, err)
	}
	line, err := bufio.NewReader(c.stdout).ReadString('\n')
	if err == nil && line == "hb 0\n" {
		return nil
	}
	why := fmt.Sprintf("sent %q, got %q", "hb 0\n", line)
	if err != nil {
		why = fmt.Sprintf("no echo: %v", err)
		if werr := c.session.Wait(); werr != nil {
			why += " (" + werr.Error() + ")"
		}
	}
	return probe.Setupf(FlagCommand, "%q on %s does not echo stdin like cat: %s", p.cfg.Command, p.cfg.Addr, why)
}

// Run opens Sessions sessions (at most DialConcurrency handshakes at once),
// keeps each heartbeating until its lifetime, the server's clean end, a
// drop, or ctx's end, and returns nil when every session has ended.
//
// A host key other than the pinned one, after Preflight saw the pinned one,
// means another server answers at the same address (a second backend behind
// the gateway): the run cannot tell drops apart, so it ends every session,
// records an Incomplete event and returns a *probe.SetupError.
func (p *Probe) Run(ctx context.Context, l *ledger.Ledger) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var once sync.Once
	var setupErr error
	// abort ends the run at its first setup failure: record (the failure's Incomplete event) runs
	// once, for the first failure only, before the other slots are cancelled.
	abort := func(err error, record func()) { once.Do(func() { record(); setupErr = err; cancel(err) }) }
	p.beats = newBeats(p.cfg.Heartbeat)
	defer p.beats.stop()
	sem := make(chan struct{}, p.cfg.DialConcurrency)
	var wg sync.WaitGroup
	for i := 1; i <= p.cfg.Sessions; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); p.slot(ctx, l, i, sem, abort) }()
	}
	wg.Wait()
	return setupErr
}

// slot runs one session slot: its first connection and, with Redial, the
// connections that replace it until the slot's lifetime is over. A setup
// failure found by a dial goes to abort.
func (p *Probe) slot(ctx context.Context, l *ledger.Ledger, slot int, sem chan struct{}, abort func(error, func())) {
	var end time.Time // the slot's lifetime end, fixed at its first establishment
	for n := 1; ; n++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		id := p.connID(slot, n)
		p.add(l, ledger.Event{Kind: ledger.Dial, Conn: id})
		c, derr := p.dial(ctx)
		<-sem
		if derr != nil {
			if derr.cause == ledger.CauseCancelled {
				p.add(l, ledger.Event{Kind: ledger.Note, Conn: id, Cause: ledger.CauseCancelled,
					Detail: map[string]string{"reason": "cancelled", "stage": "dial"}})
				return
			}
			p.stats.DialFailures.Add(1)
			p.add(l, ledger.Event{Kind: ledger.DialFailure, Conn: id, Cause: derr.cause, Error: derr.err.Error()})
			if derr.cause == ledger.CauseHostKey {
				abort(derr.setup, func() {
					p.add(l, ledger.Event{Kind: ledger.Incomplete, Conn: id, Cause: derr.cause,
						Error: "the host key changed after the first connection: " + derr.setup.Error()})
				})
				return
			}
			if !p.cfg.Redial || !p.pause(ctx, end) {
				return
			}
			continue
		}
		if end.IsZero() && p.cfg.Lifetime > 0 {
			end = time.Now().Add(p.cfg.Lifetime)
		}
		began := time.Now()
		drive := p.live
		if p.drive != nil {
			drive = p.drive
		}
		byClient := drive(ctx, l, &session{p: p, l: l, id: id, c: c}, end)
		if byClient || !p.cfg.Redial || ctx.Err() != nil || (!end.IsZero() && !time.Now().Before(end)) {
			return
		}
		// A server that ends sessions as soon as they start must not turn
		// redialing into a tight loop.
		if time.Since(began) < p.cfg.Heartbeat && !p.pause(ctx, end) {
			return
		}
	}
}

// pause waits one heartbeat interval before a redial; false when the run or
// the slot's lifetime is over first.
func (p *Probe) pause(ctx context.Context, end time.Time) bool {
	t := time.NewTimer(p.cfg.Heartbeat)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return end.IsZero() || time.Now().Before(end)
	}
}

// add records e with the probe's name and target filled in. A ledger closed
// under a running probe loses the event; the probe keeps going.
func (p *Probe) add(l *ledger.Ledger, e ledger.Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Probe = Name
	e.Target = p.cfg.Addr
	_ = l.Add(e)
}

// errorText is err's message, "" for nil; ExitMissingError reads better spelled out.
func errorText(err error) string {
	var missing *gossh.ExitMissingError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &missing):
		return "session closed without exit status"
	}
	return strings.TrimSpace(err.Error())
}
