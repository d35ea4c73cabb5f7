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
// passes). Any other unreadable line is an error naming the file and line.
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
