package remote

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/probe"
	"github.com/drainproof/drainproof/internal/verdict"
)

// Merger merges one prober's stream into the harness's ledger.
//
// Invariants: lines are merged in stream order, each once (a line whose Seq
// was merged already is a reconnect's replay and is skipped); a Seq beyond
// the next one is a gap and an error (lines were lost); every merged event
// has its Time corrected by Offset, its Conn prefixed with Name + "/", and
// a fresh Seq from the ledger (so ties at the same millisecond keep the
// prober's order).
type Merger struct {
	Name   string        // the prober's name, the prefix of its connection IDs
	Offset time.Duration // prober clock minus harness clock
	Ledger *ledger.Ledger
	Log    io.Writer // the prober's own (non-wire) output; nil: discarded

	last        int64 // Seq of the last line merged
	preflight   bool
	established atomic.Bool
	setup       string
	done        *Done
	stats       probe.Stats
}

// Merge takes one raw line of the stream. Event lines need Ledger.
func (m *Merger) Merge(raw []byte) error {
	l, ok, err := ParseLine(raw)
	if err != nil {
		return fmt.Errorf("prober %s: %w", m.Name, err)
	}
	if !ok {
		if m.Log != nil && len(raw) > 0 {
			fmt.Fprintf(m.Log, "[%s] %s", m.Name, raw)
			if raw[len(raw)-1] != '\n' {
				fmt.Fprintln(m.Log)
			}
		}
		return nil
	}
	switch {
	case l.Seq <= m.last:
		return nil // replayed after a reconnect: merged already
	case l.Seq != m.last+1:
		return fmt.Errorf("prober %s: stream lines %d..%d missing (its log was rotated or truncated)", m.Name, m.last+1, l.Seq-1)
	}
	if l.Event != nil {
		if m.Ledger == nil {
			return fmt.Errorf("prober %s: event line %d before its preflight line", m.Name, l.Seq)
		}
		if err := m.Ledger.Add(m.correct(*l.Event)); err != nil {
			return err
		}
		m.count(*l.Event)
	}
	m.last = l.Seq
	switch {
	case l.Preflight:
		m.preflight = true
	case l.Established:
		m.established.Store(true)
	case l.Setup != "":
		m.setup = l.Setup
	case l.Done != nil:
		m.done = l.Done
	}
	return nil
}

// correct is e as the harness's ledger records it.
func (m *Merger) correct(e ledger.Event) ledger.Event {
	e.Seq = 0
	e.Time = e.Time.Add(-m.Offset)
	if e.Conn != "" {
		e.Conn = m.Name + "/" + e.Conn
	}
	if e.Kind == ledger.Incomplete {
		e.Error = "prober " + m.Name + ": " + e.Error
	}
	return e
}

// count keeps the live counters a progress line and "established" read.
func (m *Merger) count(e ledger.Event) {
	s := &m.stats
	switch e.Kind {
	case ledger.Established:
		s.Open.Add(1)
		s.Connections.Add(1)
	case ledger.ClosedByClient, ledger.ClosedByServer:
		s.Open.Add(-1)
	case ledger.Drop:
		s.Open.Add(-1)
		s.Drops.Add(1)
	case ledger.DialFailure:
		s.DialFailures.Add(1)
	case ledger.Request, ledger.Hit:
		s.Requests.Add(1)
		if !verdict.RequestOK(e) {
			s.Errors.Add(1)
		}
	}
}

// Done is the stream's done line, nil until it was merged.
func (m *Merger) Done() *Done { return m.done }

// Established says whether the prober reported its traffic up.
func (m *Merger) Established() bool { return m.established.Load() }

// Lines is how many lines were merged.
func (m *Merger) Lines() int64 { return m.last }
