package http

import (
	"context"
	"net"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// slot is one of the probe's N connection positions. It holds at most one
// TCP connection at a time and dials again when the server ends one.
type slot struct {
	p           *Probe
	l           *ledger.Ledger
	index       int
	dials       int       // connections attempted so far; names the next one
	next        time.Time // next grid tick: when the next request (or dial) is due
	lifetimeEnd time.Time // zero: no lifetime, the run's end closes it
}

func (s *slot) run(ctx context.Context) {
	retryOf := "" // a connection whose unanswered request is retried now, not at the next tick
	for {
		if retryOf == "" && !sleepUntil(ctx, s.next) || ctx.Err() != nil || s.lifetimeOver(time.Now()) {
			return
		}
		c := s.dial(ctx)
		if c == nil {
			if ctx.Err() != nil {
				return
			}
			retryOf = ""
			s.advance(time.Now())
			continue
		}
		c.retryOf = retryOf
		e := c.serve(ctx, s)
		if e.kind == ledger.ClosedByClient {
			return
		}
		retryOf = ""
		if e.retry {
			retryOf = c.id
		}
	}
}

func (s *slot) lifetimeOver(now time.Time) bool {
	return !s.lifetimeEnd.IsZero() && !now.Before(s.lifetimeEnd)
}

// advance moves next to the first grid tick after now, skipping missed ticks.
func (s *slot) advance(now time.Time) {
	iv := s.p.cfg.Interval
	if s.next.After(now) {
		return
	}
	s.next = s.next.Add((now.Sub(s.next)/iv + 1) * iv)
}

// dial records Dial, then Established (returning the connection) or
// DialFailure (returning nil). A dial cut short by the run's end records
// nothing more.
func (s *slot) dial(ctx context.Context) *conn {
	p := s.p
	s.dials++
	id := p.connID(s.index, s.dials)
	p.add(s.l, ledger.Event{Kind: ledger.Dial, Conn: id})
	d := net.Dialer{Timeout: p.cfg.Timeout}
	nc, err := d.DialContext(ctx, "tcp", p.target.address)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		p.stats.DialFailures.Add(1)
		p.add(s.l, ledger.Event{Kind: ledger.DialFailure, Conn: id, Cause: ledger.CauseOf(err), Error: err.Error()})
		return nil
	}
	p.stats.Connections.Add(1)
	p.stats.Open.Add(1)
	p.add(s.l, ledger.Event{Kind: ledger.Established, Conn: id,
		Detail: map[string]string{"local": nc.LocalAddr().String()}})
	return newConn(p, id, nc)
}

// sleepUntil waits for t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
