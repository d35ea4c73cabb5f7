package remote

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// linePrefix starts every wire line; anything else on the stream (a Go
// runtime panic, a log line on stderr: pod logs interleave both) is the
// prober's own output, passed on for humans and never merged.
const linePrefix = `{"dp":`

// Version is the wire format's version (Line.DP).
const Version = 1

// Line is one line of a prober's stream. Exactly one of Event, Preflight,
// Established, Setup or Done is set. Seq numbers the lines from 1 without gaps.
type Line struct {
	DP  int   `json:"dp"`
	Seq int64 `json:"seq"`
	// Event is one event of the prober's own ledger.
	Event *ledger.Event `json:"event,omitempty"`
	// Preflight says every probe of the prober passed its preflight; its
	// traffic starts now.
	Preflight bool `json:"preflight,omitempty"`
	// Established says the prober's traffic is up (traffic.Set.Established).
	Established bool `json:"established,omitempty"`
	// Setup is a setup error (bad flags, a target that never accepts, a
	// preflight that failed): nothing follows it but Done.
	Setup string `json:"setup,omitempty"`
	// Done is the last line: every probe returned. Errors are their errors.
	Done *Done `json:"done,omitempty"`
}

// Done closes a prober's stream.
type Done struct {
	Lines  int64    `json:"lines"` // lines written before this one
	Errors []string `json:"errors,omitempty"`
}

// Writer writes a prober's stream. It is a ledger.Sink (events) and writes
// the control lines; each line is one Write of one whole line. Safe for
// concurrent use.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	seq int64
	buf bytes.Buffer
	err error
}

// NewWriter writes lines to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

func (w *Writer) write(l Line) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	w.seq++
	l.DP, l.Seq = Version, w.seq
	w.buf.Reset()
	if err := json.NewEncoder(&w.buf).Encode(l); err != nil {
		w.err = err
		return err
	}
	if _, err := w.w.Write(w.buf.Bytes()); err != nil {
		w.err = err
	}
	return w.err
}

// Add writes one event (ledger.Sink).
func (w *Writer) Add(e ledger.Event) error { return w.write(Line{Event: &e}) }

// Close is the sink's close; the stream ends with WriteDone.
func (w *Writer) Close() error { return nil }

// WritePreflight says the prober's probes passed their preflight.
func (w *Writer) WritePreflight() error { return w.write(Line{Preflight: true}) }

// WriteEstablished says the prober's traffic is up.
func (w *Writer) WriteEstablished() error { return w.write(Line{Established: true}) }

// WriteSetup writes a setup error.
func (w *Writer) WriteSetup(err error) error { return w.write(Line{Setup: err.Error()}) }

// WriteDone ends the stream.
func (w *Writer) WriteDone(errs []error) error {
	w.mu.Lock()
	n := w.seq
	w.mu.Unlock()
	d := &Done{Lines: n}
	for _, err := range errs {
		d.Errors = append(d.Errors, err.Error())
	}
	return w.write(Line{Done: d})
}

// ParseLine reads one line of a stream. ok is false for a line that is not
// a wire line (the prober's own output).
func ParseLine(b []byte) (l Line, ok bool, err error) {
	b = bytes.TrimRight(b, "\r\n")
	if !bytes.HasPrefix(b, []byte(linePrefix)) {
		return Line{}, false, nil
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return Line{}, true, fmt.Errorf("wire line: %w", err)
	}
	switch {
	case l.DP != Version:
		return l, true, fmt.Errorf("wire line %d: version %d, want %d (prober and harness from different builds)", l.Seq, l.DP, Version)
	case l.Seq < 1:
		return l, true, errors.New("wire line without seq")
	}
	return l, true, nil
}

// ClockPath is the prober's clock endpoint: GET answers the prober's time
// as RFC 3339 with nanoseconds.
const ClockPath = "/clock"

// ClockAnswer formats t for ClockPath.
func ClockAnswer(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// StopPath is the prober's stop endpoint: any request ends its traffic as
// the client and finishes its stream.
const StopPath = "/stop"
