package ledger

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// ReadJSONLines loads a ledger file written by JSONLines. Every line must be
// one whole event, except the last: a crash mid-write may leave it torn, so
// an unreadable last line is dropped and an Incomplete event naming the file
// and line takes its place (the run is judged on what is there, and never
// passes). Any other unreadable line is an error naming the file and line,
// and so is an event without a time or kind, or one more than MaxSpan away
// from another: what follows (verdicts, timelines) may assume sane times.
func ReadJSONLines(path string) ([]Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readJSONLines(path, bufio.NewReader(f))
}

func readJSONLines(path string, r *bufio.Reader) ([]Event, error) {
	var out []Event
	var maxSeq int64
	var span timeSpan
	for n := 1; ; n++ {
		line, rerr := r.ReadBytes('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return nil, fmt.Errorf("%s:%d: %w", path, n, rerr)
		}
		if len(line) == 0 && rerr != nil { // end of file after a whole line
			return out, nil
		}
		var e Event
		if err := json.Unmarshal(line, &e); err != nil {
			if last := rerr != nil || atEOF(r); !last {
				return nil, fmt.Errorf("%s:%d: not a whole event: %w", path, n, err)
			}
			return append(out, Event{Seq: maxSeq + 1, Time: latest(out), Kind: Incomplete, Probe: "ledger",
				Error: fmt.Sprintf("%s:%d: torn last line dropped (%d bytes: %v)", path, n, len(bytes.TrimSpace(line)), err)}), nil
		}
		if err := span.check(e, n); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		maxSeq = max(maxSeq, e.Seq)
		out = append(out, e)
		if rerr != nil {
			return out, nil
		}
	}
}

// atEOF reports whether r has nothing left to read.
func atEOF(r *bufio.Reader) bool {
	_, err := r.Peek(1)
	return err != nil
}

// latest is the time of the latest event (zero for none).
func latest(es []Event) (t time.Time) {
	for _, e := range es {
		if e.Time.After(t) {
			t = e.Time
		}
	}
	return t
}

// MaxSpan bounds the time between any two events of one ledger: a run
// lasts minutes, a week is far beyond any of them.
const MaxSpan = 7 * 24 * time.Hour

// timeSpan is the earliest and latest event time read so far, with lines.
type timeSpan struct {
	first, last         time.Time
	firstLine, lastLine int
}

// check validates e (read from line n) and widens the span with it.
func (s *timeSpan) check(e Event, n int) error {
	switch {
	case e.Time.IsZero():
		return errors.New(`event has no time ("t")`)
	case e.Kind == "":
		return errors.New(`event has no kind ("kind")`)
	}
	if s.firstLine == 0 {
		s.first, s.last, s.firstLine, s.lastLine = e.Time, e.Time, n, n
		return nil
	}
	if e.Time.Before(s.first) {
		if s.last.Sub(e.Time) > MaxSpan {
			return fmt.Errorf("time %s is more than %d days before line %d's %s", e.Time.Format(time.RFC3339Nano), int(MaxSpan.Hours()/24), s.lastLine, s.last.Format(time.RFC3339Nano))
		}
		s.first, s.firstLine = e.Time, n
	}
	if e.Time.After(s.last) {
		if e.Time.Sub(s.first) > MaxSpan {
			return fmt.Errorf("time %s is more than %d days after line %d's %s", e.Time.Format(time.RFC3339Nano), int(MaxSpan.Hours()/24), s.firstLine, s.first.Format(time.RFC3339Nano))
		}
		s.last, s.lastLine = e.Time, n
	}
	return nil
}
