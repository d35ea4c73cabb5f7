package remote

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/verdict"
)

// stream writes events as one prober would and returns its raw lines.
func stream(t *testing.T, events ...ledger.Event) [][]byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.WritePreflight(); err != nil {
		t.Fatal(err)
	}
	l := ledger.New(w)
	for _, e := range events {
		if err := l.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteDone(nil); err != nil {
		t.Fatal(err)
	}
	return bytes.SplitAfter(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
}

func mergeAll(t *testing.T, m *Merger, lines [][]byte) {
	t.Helper()
	for _, b := range lines {
		if err := m.Merge(b); err != nil {
			t.Fatal(err)
		}
	}
}

var t0 = time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)

func conn(kind ledger.Kind, id string, at time.Duration) ledger.Event {
	return ledger.Event{Time: t0.Add(at), Kind: kind, Probe: "ssh", Conn: id}
}

// Two probers whose clocks are off by +2 s and -1 s, both naming their
// first connection ssh-000: merged, the times are on the harness's clock,
// the IDs are distinct, and each connection keeps its order (even where
// its events share a millisecond).
func TestMergeCorrectsOffsetsAndPrefixesIDs(t *testing.T) {
	l := ledger.New()
	a := &Merger{Name: "dp-prober-0", Offset: 2 * time.Second, Ledger: l}
	b := &Merger{Name: "dp-prober-1", Offset: -time.Second, Ledger: l}
	mergeAll(t, a, stream(t, conn(ledger.Dial, "ssh-000", 2*time.Second), conn(ledger.Established, "ssh-000", 2*time.Second),
		conn(ledger.ClosedByClient, "ssh-000", 5*time.Second)))
	mergeAll(t, b, stream(t, conn(ledger.Dial, "ssh-000", -time.Second), conn(ledger.Established, "ssh-000", -time.Second+time.Millisecond),
		conn(ledger.Drop, "ssh-000", time.Second)))
	byConn := map[string][]ledger.Event{}
	for _, e := range l.Events() {
		byConn[e.Conn] = append(byConn[e.Conn], e)
	}
	want := map[string][]ledger.Kind{
		"dp-prober-0/ssh-000": {ledger.Dial, ledger.Established, ledger.ClosedByClient},
		"dp-prober-1/ssh-000": {ledger.Dial, ledger.Established, ledger.Drop},
	}
	for id, kinds := range want {
		evs := byConn[id]
		if len(evs) != len(kinds) {
			t.Fatalf("%s: %d events, want %d: %+v", id, len(evs), len(kinds), evs)
		}
		for i, k := range kinds {
			if evs[i].Kind != k {
				t.Errorf("%s event %d: %s, want %s (order kept)", id, i, evs[i].Kind, k)
			}
		}
		if !evs[0].Time.Equal(t0) {
			t.Errorf("%s dialled at %s on the harness's clock, want %s", id, evs[0].Time, t0)
		}
	}
	if end := byConn["dp-prober-0/ssh-000"][2].Time; !end.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("prober 0's close at %s, want t0+3s", end)
	}
	v := verdict.Evaluate(verdict.Expect{}, l.Events())
	if v.Drops != 1 || len(v.Conns) != 2 {
		t.Errorf("verdict: %d drops over %d connections, want 1 over 2", v.Drops, len(v.Conns))
	}
	if a.Done() == nil || b.Done() == nil {
		t.Error("done lines not merged")
	}
}

// A stream read again from its start (a reconnect) merges nothing twice.
func TestMergeSkipsReplayedLines(t *testing.T) {
	lines := stream(t, conn(ledger.Dial, "ssh-000", 0), conn(ledger.Established, "ssh-000", time.Millisecond),
		conn(ledger.ClosedByClient, "ssh-000", time.Second))
	l := ledger.New()
	m := &Merger{Name: "p", Ledger: l}
	mergeAll(t, m, lines[:3])
	mergeAll(t, m, lines) // reopened: the whole stream again
	if n := l.Len(); n != 3 {
		t.Errorf("%d events merged, want 3 (each once)", n)
	}
	if m.Done() == nil || m.Lines() != int64(len(lines)) {
		t.Errorf("lines %d of %d, done %v", m.Lines(), len(lines), m.Done())
	}
}

// A line missing from the stream (a rotated log) is an error, never skipped.
func TestMergeRefusesAGap(t *testing.T) {
	lines := stream(t, conn(ledger.Dial, "ssh-000", 0), conn(ledger.Established, "ssh-000", time.Millisecond))
	m := &Merger{Name: "p", Ledger: ledger.New()}
	mergeAll(t, m, lines[:1])
	err := m.Merge(lines[2])
	if err == nil || !strings.Contains(err.Error(), "lines 2..2 missing") {
		t.Fatalf("gap: %v, want lines 2..2 missing", err)
	}
}

// Output that is not a wire line (stderr, a panic) goes to Log, unmerged.
func TestMergePassesOtherOutputOn(t *testing.T) {
	var out bytes.Buffer
	m := &Merger{Name: "p", Ledger: ledger.New(), Log: &out}
	if err := m.Merge([]byte("prober: clock on [::]:8081\n")); err != nil {
		t.Fatal(err)
	}
	if m.Lines() != 0 || out.String() != "[p] prober: clock on [::]:8081\n" {
		t.Errorf("lines %d, log %q", m.Lines(), out.String())
	}
	if err := m.Merge([]byte(`{"dp":99,"seq":1,"preflight":true}`)); err == nil {
		t.Error("a line of another wire version was accepted")
	}
}

// A prober's own Incomplete event names the prober.
func TestMergeNamesTheProberInIncomplete(t *testing.T) {
	l := ledger.New()
	m := &Merger{Name: "dp-prober-1", Ledger: l}
	mergeAll(t, m, stream(t, ledger.Event{Time: t0, Kind: ledger.Incomplete, Probe: "ssh", Error: "host key changed"}))
	v := verdict.Evaluate(verdict.Expect{}, l.Events())
	if v.Outcome != verdict.Incomplete || !strings.Contains(strings.Join(v.IncompleteReasons, " "), "prober dp-prober-1: host key changed") {
		t.Errorf("outcome %s, reasons %q", v.Outcome, v.IncompleteReasons)
	}
}

func TestMeasureOffset(t *testing.T) {
	ahead := 1500 * time.Millisecond
	off, err := MeasureOffset(t.Context(), func(context.Context) (time.Time, error) {
		return time.Now().Add(ahead), nil
	}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if d := off.Offset - ahead; d < -10*time.Millisecond || d > 10*time.Millisecond || off.Samples != 5 {
		t.Errorf("offset %s (±%s, %d samples), want %s", off.Offset, off.Bound(), off.Samples, ahead)
	}
	if got := off.Detail()["clockOffset"]; got == "" {
		t.Error("no clockOffset detail")
	}
}
