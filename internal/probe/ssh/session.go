package ssh

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/drainproof/drainproof/internal/ledger"
)

// session is one established connection while it lives. Three goroutines
// touch it: live (lifetime, ctx, the end event), its scheduler shard
// (heartbeat writes and the heartbeat-timeout check, see beat) and readLoop
// (echoes, stalls, the server's end). They share only the atomics below and
// the values handed over on done and timedOut.
//
// Invariant: exactly one end event (ClosedByClient, ClosedByServer or Drop)
// is recorded per session, by live, after readLoop has returned.
type session struct {
	p  *Probe
	l  *ledger.Ledger
	id string
	c  *conn

	// seq is the number of the last heartbeat written. sentAt is when it was
	// written (nanoseconds since p.epoch, > 0) while it is outstanding, 0
	// once echoed, -1 once live gave up on it (heartbeat-timeout). Whoever
	// moves sentAt away from a send time with CompareAndSwap owns that
	// heartbeat's outcome: an echo or a timeout, never both.
	seq    atomic.Int64
	sentAt atomic.Int64

	done chan readEnd // readLoop's single result

	// Scheduler side (beats): stopped takes the session off the schedule;
	// timedOut carries a heartbeat-timeout's age to live; writing is false
	// after a failed write and is touched by the session's shard alone.
	stopped  atomic.Bool
	timedOut chan time.Duration
	writing  bool

	// answered is set by readLoop at the session's first echo. Until then
	// the command may not be reading yet: a login shell's rc file can run
	// (and read stdin) before the command starts, swallowing the heartbeat.
	// So an unanswered heartbeat is written again every interval until the
	// first echo (same seq: an echo of either copy answers it, a later
	// duplicate is ignored), and its DropAfter counts from firstSent, the
	// first copy, so a command that never answers still ends as a Drop.
	answered  atomic.Bool
	firstSent atomic.Int64
}

// readEnd is how the server side of a session ended, as readLoop saw it.
type readEnd struct {
	at         time.Time // when stdout ended
	wait       error     // the session's exit: nil (status 0), *ExitError, *ExitMissingError
	echoes     int64
	maxLatency time.Duration
}

func (s *session) now() int64 { return int64(time.Since(s.p.epoch)) + 1 }

func (s *session) event(kind ledger.Kind) ledger.Event {
	return ledger.Event{Kind: kind, Conn: s.id, Peer: s.c.peer}
}

// live runs the session to its end and records that end. end is the
// session's lifetime end (zero: until ctx ends). It reports whether the
// client closed the session (lifetime or ctx), which ends a redialing slot.
// Heartbeats are written by the probe's shared scheduler (beats), which
// hands a heartbeat-timeout back here; live itself only waits.
func (p *Probe) live(ctx context.Context, l *ledger.Ledger, s *session, end time.Time) (byClient bool) {
	s.start(l)
	defer p.stats.Open.Add(-1)
	s.timedOut = make(chan time.Duration, 1)
	s.writing = true
	p.beats.add(s)
	defer s.stopped.Store(true)

	var lifetime <-chan time.Time
	if !end.IsZero() {
		t := time.NewTimer(time.Until(end))
		defer t.Stop()
		lifetime = t.C
	}
	select {
	case <-ctx.Done():
		s.stopped.Store(true)
		p.closeByClient(s, "cancelled")
		return true
	case <-lifetime:
		s.stopped.Store(true)
		p.closeByClient(s, "lifetime")
		return true
	case r := <-s.done:
		s.stopped.Store(true)
		p.serverEnded(s, r)
		return false
	case age := <-s.timedOut:
		p.heartbeatTimeout(s, age)
		return false
	}
}

// start records the session's Established event and starts its readLoop.
func (s *session) start(l *ledger.Ledger) {
	p, c := s.p, s.c
	s.done = make(chan readEnd, 1)
	est := s.event(ledger.Established)
	est.Latency = c.setup
	est.Detail = map[string]string{"local": c.local}
	if c.pod != "" {
		est.Detail["pod"] = c.pod
	}
	p.stats.Connections.Add(1)
	p.stats.Open.Add(1)
	p.add(l, est)
	go s.readLoop()
}

// beat is one tick of the session, run by its scheduler shard (never twice
// at once): a heartbeat still outstanding is checked against DropAfter (then
// handed to live as a heartbeat-timeout, and the session leaves the
// schedule: false); otherwise the next heartbeat is written. line is the
// shard's scratch buffer.
//
// Once live decides the session's end it sets sentAt to -1 (closeByClient)
// or stopped; beat claims a send with CompareAndSwap(0, sent), so no
// heartbeat is written after that decision.
func (s *session) beat(line *[32]byte) bool {
	if sent := s.sentAt.Load(); sent != 0 {
		if sent > 0 {
			now, from := s.now(), sent
			answered := s.answered.Load()
			if !answered {
				from = s.firstSent.Load()
			}
			if age := time.Duration(now - from); age >= s.p.cfg.DropAfter && s.sentAt.CompareAndSwap(sent, -1) {
				s.timedOut <- age
				return false
			}
			if !answered && s.writing && time.Duration(now-sent) >= s.p.cfg.Heartbeat && s.sentAt.CompareAndSwap(sent, now) {
				s.write(line, s.seq.Load(), now) // not answered yet: the command may not have been reading
			}
		}
		return true // one heartbeat outstanding at a time
	}
	if !s.writing {
		return true
	}
	sent := s.now()
	if !s.sentAt.CompareAndSwap(0, sent) {
		return true // an echo or live's end decision moved it meanwhile
	}
	seq := s.seq.Add(1)
	if seq == 1 {
		s.firstSent.Store(sent)
	}
	s.write(line, seq, sent)
	return true
}

// write sends heartbeat seq, claimed at sent (sentAt == sent).
func (s *session) write(line *[32]byte, seq, sent int64) {
	copy(line[:], "hb ")
	b := strconv.AppendInt(line[:3], seq, 10)
	b = append(b, '\n')
	if _, err := s.c.stdin.Write(b); err != nil {
		// The channel or the socket is gone: this heartbeat was never
		// sent. Stop writing; readLoop reports the end. A dead socket is
		// closed now so that it does.
		s.sentAt.CompareAndSwap(sent, 0)
		s.writing = false
		if s.c.tc.firstErr() != nil {
			s.c.tc.Close()
		}
	}
}

// readLoop reads echoes until stdout ends, then waits for the session's
// exit status and hands both to live.
func (s *session) readLoop() {
	var r readEnd
	var buf [64]byte
	n := 0
	for {
		m, err := s.c.stdout.Read(buf[n:])
		n += m
		for {
			i := bytes.IndexByte(buf[:n], '\n')
			if i < 0 {
				break
			}
			s.echo(buf[:i], &r)
			n = copy(buf[:], buf[i+1:n])
		}
		if n == len(buf) {
			n = 0 // a line longer than any heartbeat: not one of ours
		}
		if err != nil {
			break
		}
	}
	r.at = time.Now()
	r.wait = s.c.session.Wait()
	s.done <- r
}

// echo handles one echoed line: the outstanding heartbeat's answer, a Stall
// when it came back later than HeartbeatTimeout.
func (s *session) echo(line []byte, r *readEnd) {
	rest, ok := bytes.CutPrefix(line, []byte("hb "))
	if !ok {
		return
	}
	seq, ok := parseSeq(rest)
	if !ok || seq != s.seq.Load() {
		return
	}
	sent := s.sentAt.Load()
	if sent <= 0 || !s.sentAt.CompareAndSwap(sent, 0) {
		return
	}
	latency := time.Duration(s.now() - sent)
	s.answered.Store(true)
	r.echoes++
	s.p.heartbeats.Add(1)
	if latency > r.maxLatency {
		r.maxLatency = latency
	}
	if latency > s.p.cfg.HeartbeatTimeout {
		s.p.stalls.Add(1)
		e := s.event(ledger.Stall)
		e.Latency = latency
		e.Detail = map[string]string{"seq": strconv.FormatInt(seq, 10)}
		s.p.add(s.l, e)
	}
}

// parseSeq reads a heartbeat's decimal sequence number without allocating.
func parseSeq(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// finish records the session's end event, with its heartbeat summary.
func (p *Probe) finish(s *session, e ledger.Event, r readEnd) {
	if e.Detail == nil {
		e.Detail = map[string]string{}
	}
	e.Detail["heartbeats"] = strconv.FormatInt(r.echoes, 10)
	e.Detail["max_latency"] = r.maxLatency.String()
	if e.Kind == ledger.Drop {
		p.stats.Drops.Add(1)
	}
	p.add(s.l, e)
}

// politeClose bounds how long a client close waits for the server to
// answer the channel close before the socket is closed anyway.
const politeClose = time.Second

// closeByClient ends the session as the client: it stops caring about the
// outstanding heartbeat, closes the channel, gives the server politeClose to
// close its side, closes the socket, and waits for readLoop so no event of
// this session follows the end event.
//
// A heartbeat unanswered for HeartbeatTimeout or longer at that moment is
// recorded in Detail["unanswered"] (its age): the session may have been
// black-holed, so the client's close proves nothing about whether it was
// still carried (the verdict cannot tell, see verdict's completeness rule).
func (p *Probe) closeByClient(s *session, reason string) {
	at := time.Now()
	sent := s.sentAt.Swap(-1)
	s.c.session.Close()
	t := time.NewTimer(politeClose)
	var r readEnd
	select {
	case r = <-s.done:
		s.c.client.Close()
	case <-t.C:
		s.c.client.Close()
		r = <-s.done
	}
	t.Stop()
	e := s.event(ledger.ClosedByClient)
	e.Time = at
	e.Detail = map[string]string{"reason": reason}
	if sent > 0 {
		if !s.answered.Load() {
			sent = s.firstSent.Load()
		}
		if age := time.Duration(int64(at.Sub(p.epoch)) + 1 - sent); age >= p.cfg.HeartbeatTimeout {
			e.Detail[ledger.DetailUnanswered] = age.Round(time.Millisecond).String()
		}
	}
	p.finish(s, e, r)
}

// heartbeatTimeout ends a session whose heartbeat went unanswered for DropAfter.
func (p *Probe) heartbeatTimeout(s *session, age time.Duration) {
	at := time.Now()
	s.c.tc.Close() // the socket may be black-holed: do not wait on a polite close
	r := <-s.done
	e := s.event(ledger.Drop)
	e.Time = at
	e.Cause = ledger.CauseHeartbeatTimeout
	e.Latency = age
	e.Error = "heartbeat " + strconv.FormatInt(s.seq.Load(), 10) + " unanswered after " + age.Round(time.Millisecond).String()
	p.finish(s, e, r)
}

// serverEnded classifies an end that came from the other side: exit-status
// 0 is the server's clean end; anything else is a drop, its cause taken
// from the exit status or the socket's first error.
func (p *Probe) serverEnded(s *session, r readEnd) {
	s.c.close()
	var exitErr *gossh.ExitError
	e := s.event(ledger.Drop)
	e.Time = r.at
	switch {
	case r.wait == nil:
		e.Kind = ledger.ClosedByServer
	case errors.As(r.wait, &exitErr):
		e.Cause = ledger.CauseExitStatus(exitErr.ExitStatus())
		e.Code = exitErr.ExitStatus()
		e.Error = errorText(r.wait)
		if sig := exitErr.Signal(); sig != "" {
			e.Detail = map[string]string{"signal": sig}
		}
	default:
		ioErr := s.c.tc.firstErr()
		e.Cause = ledger.CauseOf(ioErr)
		e.Error = errorText(r.wait)
		if ioErr != nil {
			e.Error = errorText(ioErr)
		}
	}
	p.finish(s, e, r)
}
