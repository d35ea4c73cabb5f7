package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"
)

// Sink receives every event the ledger accepts, in Seq order, one call at a
// time. Close flushes. Modelled on vegeta's reporters.
type Sink interface {
	Add(Event) error
	Close() error
}

// Ledger is append-only and safe for concurrent use. Add stamps Seq (and Time
// when zero) under one lock, so Seq order is the order events were accepted,
// and truncates times to Resolution, the precision ledger.jsonl keeps.
type Ledger struct {
	mu     sync.Mutex
	events []Event
	sinks  []Sink
	err    error // first sink error; later Adds still record in memory
	closed bool
	now    func() time.Time
}

// New returns an empty ledger that forwards to sinks.
func New(sinks ...Sink) *Ledger { return &Ledger{sinks: sinks, now: time.Now} }

// Add records e. Adding to a closed ledger is an error (a probe outlived its run).
func (l *Ledger) Add(e Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("ledger: add after close")
	}
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	// One precision everywhere: what the run judges in memory is what
	// ledger.jsonl holds, so a later `drainproof report` judges the same.
	e.Time = e.Time.Truncate(Resolution)
	if e.APITime != nil {
		t := e.APITime.Truncate(Resolution)
		e.APITime = &t
	}
	e.Seq = int64(len(l.events) + 1)
	l.events = append(l.events, e)
	for _, s := range l.sinks {
		if err := s.Add(e); err != nil && l.err == nil {
			l.err = fmt.Errorf("ledger sink: %w", err)
		}
	}
	return nil
}

// Events returns a copy of everything recorded so far, sorted by Time (ties by Seq).
func (l *Ledger) Events() []Event {
	l.mu.Lock()
	out := append([]Event(nil), l.events...)
	l.mu.Unlock()
	Sort(out)
	return out
}

// Len is the number of events recorded.
func (l *Ledger) Len() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.events) }

// Close closes every sink and returns the first error any sink reported.
func (l *Ledger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return l.err
	}
	l.closed = true
	for _, s := range l.sinks {
		if err := s.Close(); err != nil && l.err == nil {
			l.err = fmt.Errorf("ledger sink close: %w", err)
		}
	}
	return l.err
}

// Sort orders events by Time, then Seq.
func Sort(es []Event) {
	sort.SliceStable(es, func(i, j int) bool {
		if !es[i].Time.Equal(es[j].Time) {
			return es[i].Time.Before(es[j].Time)
		}
		return es[i].Seq < es[j].Seq
	})
}

// JSONLines is a Sink writing one JSON object per line, times truncated to 1 ms.
//
// Invariant: every Add is one write(2) of one whole line, unbuffered, so an
// event is in the file (the kernel's page cache) when Add returns. A process
// killed at any moment (SIGKILL, OOM) loses no accepted event and leaves at
// most one torn last line, which ReadJSONLines recovers from.
type JSONLines struct {
	f   *os.File
	buf bytes.Buffer // one line, reused: Ledger calls sinks one at a time
	enc *json.Encoder
}

// CreateJSONLines creates (truncates) path.
func CreateJSONLines(path string) (*JSONLines, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	j := &JSONLines{f: f}
	j.enc = json.NewEncoder(&j.buf)
	return j, nil
}

func (j *JSONLines) Add(e Event) error {
	e.Time = e.Time.Truncate(Resolution)
	j.buf.Reset()
	if err := j.enc.Encode(e); err != nil { // appends the newline
		return err
	}
	_, err := j.f.Write(j.buf.Bytes())
	return err
}

func (j *JSONLines) Close() error { return j.f.Close() }
