package ssh

import (
	"context"
	"strconv"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// liveTicker is the session driver of before the shared scheduler, kept
// verbatim for BenchmarkHeartbeatCPU's A/B (path=ticker): one ticker, one
// wake-up and one select per heartbeat per session. It runs the session to
// its end and records that end. end is the
// session's lifetime end (zero: until ctx ends). It reports whether the
// client closed the session (lifetime or ctx), which ends a redialing slot.
func (p *Probe) liveTicker(ctx context.Context, l *ledger.Ledger, s *session, end time.Time) (byClient bool) {
	s.done = make(chan readEnd, 1)
	c := s.c
	est := s.event(ledger.Established)
	est.Latency = c.setup
	est.Detail = map[string]string{"local": c.local}
	if c.pod != "" {
		est.Detail["pod"] = c.pod
	}
	p.stats.Connections.Add(1)
	p.stats.Open.Add(1)
	defer p.stats.Open.Add(-1)
	p.add(l, est)
	go s.readLoop()

	var lifetime <-chan time.Time
	if !end.IsZero() {
		t := time.NewTimer(time.Until(end))
		defer t.Stop()
		lifetime = t.C
	}
	ticker := time.NewTicker(p.cfg.Heartbeat)
	defer ticker.Stop()
	var line [32]byte
	copy(line[:], "hb ")
	writing := true
	for {
		select {
		case <-ctx.Done():
			p.closeByClient(s, "cancelled")
			return true
		case <-lifetime:
			p.closeByClient(s, "lifetime")
			return true
		case r := <-s.done:
			p.serverEnded(s, r)
			return false
		case <-ticker.C:
		}
		if sent := s.sentAt.Load(); sent != 0 {
			if sent > 0 && time.Duration(s.now()-sent) >= p.cfg.DropAfter && s.sentAt.CompareAndSwap(sent, -1) {
				p.heartbeatTimeout(s, time.Duration(s.now()-sent))
				return false
			}
			continue // one heartbeat outstanding at a time
		}
		if !writing {
			continue
		}
		seq := s.seq.Add(1)
		b := strconv.AppendInt(line[:3], seq, 10)
		b = append(b, '\n')
		sent := s.now()
		s.sentAt.Store(sent)
		if _, err := c.stdin.Write(b); err != nil {
			// The channel or the socket is gone: this heartbeat was never
			// sent. Stop writing; readLoop reports the end. A dead socket is
			// closed now so that it does.
			s.sentAt.CompareAndSwap(sent, 0)
			writing = false
			if c.tc.firstErr() != nil {
				c.tc.Close()
			}
		}
	}
}
