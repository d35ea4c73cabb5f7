package ledger_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// writeLedger writes n events through the real sink and returns the file's bytes.
func writeLedger(t *testing.T, n int) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	sink, err := ledger.CreateJSONLines(path)
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.New(sink)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range n {
		l.Add(ledger.Event{Time: t0.Add(time.Duration(i) * time.Second), Kind: ledger.Note, Conn: fmt.Sprintf("c%d", i)})
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

func TestReadTornLastLineKeepsWholeLinesAndSaysIncomplete(t *testing.T) {
	path, b := writeLedger(t, 3)
	cut := len(b) - 10 // inside line 3
	if err := os.WriteFile(path, b[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	es, err := ledger.ReadJSONLines(path)
	if err != nil {
		t.Fatalf("torn last line: %v", err)
	}
	if len(es) != 3 || es[0].Conn != "c0" || es[1].Conn != "c1" {
		t.Fatalf("want the 2 whole events and an Incomplete one, got %+v", es)
	}
	inc := es[2]
	if inc.Kind != ledger.Incomplete || !strings.Contains(inc.Error, path+":3") || inc.Seq != 3 || !inc.Time.Equal(es[1].Time) {
		t.Fatalf("want Incomplete seq 3 naming %s:3 at the last event's time, got %+v", path, inc)
	}
}

func TestReadTornMiddleLineIsAnErrorNamingIt(t *testing.T) {
	path, b := writeLedger(t, 3)
	lines := strings.SplitAfter(string(b), "\n")
	lines[1] = lines[1][:15] + "\n"
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ledger.ReadJSONLines(path)
	if err == nil || !strings.Contains(err.Error(), path+":2:") {
		t.Fatalf("torn line 2 of 3: got %v, want an error naming %s:2", err, path)
	}
}

func TestReadWholeLedger(t *testing.T) {
	path, _ := writeLedger(t, 3)
	es, err := ledger.ReadJSONLines(path)
	if err != nil || len(es) != 3 || es[2].Kind != ledger.Note {
		t.Fatalf("got %v, %+v", err, es)
	}
}

// Times the verdict and timeline cannot work with are errors naming the line.
func TestReadRejectsMissingAndAbsurdTimes(t *testing.T) {
	const ok1 = `{"seq":1,"t":"2026-03-01T12:00:00Z","kind":"note"}` + "\n"
	const ok2 = `{"seq":2,"t":"2026-03-01T12:00:01Z","kind":"note"}` + "\n"
	for name, tc := range map[string]struct{ body, want string }{
		"no time":       {ok1 + `{"seq":2,"kind":"note"}` + "\n" + ok2, `:2: event has no time ("t")`},
		"no kind":       {ok1 + ok2 + `{"seq":3,"t":"2026-03-01T12:00:02Z"}` + "\n", `:3: event has no kind`},
		"year 9999":     {ok1 + `{"seq":2,"t":"9999-12-31T23:59:59Z","kind":"note"}` + "\n" + ok2, ":2: time 9999-12-31T23:59:59Z is more than 7 days after line 1's"},
		"year 1":        {ok1 + ok2 + `{"seq":3,"t":"0001-01-01T00:00:01Z","kind":"note"}` + "\n", ":3: time 0001-01-01T00:00:01Z is more than 7 days before line 2's"},
		"8 days":        {ok1 + `{"seq":2,"t":"2026-03-09T12:00:01Z","kind":"note"}` + "\n", ":2: time"},
		"year 1 first":  {`{"seq":1,"t":"0001-01-01T00:00:01Z","kind":"note"}` + "\n" + ok2, ":2: time 2026-03-01T12:00:01Z is more than 7 days after line 1's 0001"},
		"no time, last": {ok1 + `{"seq":2,"kind":"note"}`, `:2: event has no time`},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.jsonl")
			if err := os.WriteFile(path, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ledger.ReadJSONLines(path)
			if err == nil || !strings.Contains(err.Error(), path+tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, path+tc.want)
			}
		})
	}
}
