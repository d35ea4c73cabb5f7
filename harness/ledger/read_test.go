package ledger_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/harness/ledger"
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
