package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/verdict"
)

// tearLastLine cuts dir's ledger.jsonl inside its last line, as a crash
// mid-write would.
func tearLastLine(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, LedgerFile)
	b := readFile(t, dir, LedgerFile)
	if err := os.WriteFile(path, b[:len(b)-7], 0o644); err != nil {
		t.Fatal(err)
	}
}

// A good run whose ledger lost its last line to a crash is judged on what
// is there and comes out INCOMPLETE, naming the line it dropped.
func TestRegenerateATornLedgerIsIncomplete(t *testing.T) {
	dir := t.TempDir()
	r := goodRun()
	writeLedger(t, dir, r.Events)
	tearLastLine(t, dir)
	rs, err := Regenerate(dir)
	if err != nil {
		t.Fatalf("torn last line: %v", err)
	}
	v := rs[0].Verdict
	at := filepath.Join(dir, LedgerFile) + ":" + strconv.Itoa(len(r.Events))
	if v.Outcome != verdict.Incomplete || len(v.IncompleteReasons) == 0 || !strings.Contains(v.IncompleteReasons[0], at) { // the torn line may also have been the disruption-done: a second reason
		t.Fatalf("outcome %s, reasons %q: want INCOMPLETE naming %s", v.Outcome, v.IncompleteReasons, at)
	}
	if got := string(readFile(t, dir, VerdictFile)); !strings.Contains(got, `"INCOMPLETE"`) {
		t.Errorf("verdict.json does not say INCOMPLETE:\n%s", got)
	}
}

// The first verdict (judged in memory during the run) and `drainproof
// report` on the ledger it wrote are byte-identical: one time precision.
func TestFirstVerdictEqualsRejudgedVerdict(t *testing.T) {
	dir := t.TempDir()
	sink, err := ledger.CreateJSONLines(filepath.Join(dir, LedgerFile))
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.New(sink)
	for i, e := range twinRun().Events { // at ms; the probes' clocks are ns
		e.Seq = 0
		e.Time = e.Time.Add(time.Duration(i*7919+123457) * time.Nanosecond)
		if e.Kind == ledger.Drop || e.Kind == ledger.ClosedByClient {
			e.Time = e.Time.Add(999_999 * time.Nanosecond)
		}
		if err := l.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	r := twinRun()
	first := Judge(r.Run, r.Expect, l.Events())
	if err := WriteResult(dir, first); err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for _, f := range []string{VerdictFile, SummaryFile, JUnitFile, HTMLFile} {
		want[f] = readFile(t, dir, f)
	}
	if _, err := Regenerate(dir); err != nil {
		t.Fatal(err)
	}
	for f, w := range want {
		if got := readFile(t, dir, f); !bytes.Equal(got, w) {
			t.Errorf("%s differs between the run and `drainproof report`:\n--- run ---\n%s\n--- report ---\n%s", f, w, got)
		}
	}
}

func TestRegenerateRejectsMissingAndAbsurdTimesNamingTheLine(t *testing.T) {
	for name, body := range map[string]string{
		"no time":   `{"seq":1,"t":"2026-03-01T12:00:00Z","kind":"dial","conn":"c"}` + "\n" + `{"seq":2,"kind":"established","conn":"c"}` + "\n",
		"year 9999": `{"seq":1,"t":"0001-01-01T00:00:00.001Z","kind":"dial","conn":"c"}` + "\n" + `{"seq":2,"t":"9999-12-31T00:00:00Z","kind":"established","conn":"c"}` + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, LedgerFile), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Regenerate(dir)
			if want := filepath.Join(dir, LedgerFile) + ":2:"; err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %v, want an error naming %s", err, want)
			}
		})
	}
}

// The timeline is bounded whatever the times (the reader rejects absurd
// spans; the drawing must not depend on it).
func TestTimelineOfAnAbsurdSpanIsBounded(t *testing.T) {
	evs := []ledger.Event{
		{Seq: 1, Time: time.Date(1, 1, 1, 0, 0, 0, 1e6, time.UTC), Kind: ledger.Established, Conn: "c"},
		{Seq: 2, Time: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), Kind: ledger.Drop, Conn: "c"},
		{Seq: 3, Time: time.Date(5000, 1, 1, 0, 0, 0, 0, time.UTC), Kind: ledger.PodDeleting, Pod: "ns/p"},
	}
	svg := svgTimeline(Judge(Run{Scenario: "absurd"}, verdict.Expect{}, evs))
	if n := strings.Count(svg, `class="tick"`); n > svgMaxTicks {
		t.Fatalf("%d ticks, want at most %d", n, svgMaxTicks)
	}
}

// An empty ledger is never a pass.
func TestRegenerateEmptyLedgerIsIncomplete(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, LedgerFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := Regenerate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if o := rs[0].Verdict.Outcome; o != verdict.Incomplete {
		t.Fatalf("empty ledger: outcome %s, want INCOMPLETE", o)
	}
}

// `drainproof report` reads a ledger written before the drop causes were one
// vocabulary: the http and load probes' "error" is today's "other", and the
// re-judged verdict and reports say so.
func TestRegenerateReadsAnEarlierLedgersCauseWords(t *testing.T) {
	dir := t.TempDir()
	r := twinRun()
	writeLedger(t, dir, r.Events)
	path := filepath.Join(dir, LedgerFile)
	b := readFile(t, dir, LedgerFile)
	old := bytes.ReplaceAll(b, []byte(`"cause":"reset"`), []byte(`"cause":"error"`))
	if bytes.Equal(old, b) {
		t.Fatal("fixture has no reset drop to rewrite")
	}
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := Regenerate(dir)
	if err != nil {
		t.Fatal(err)
	}
	others := 0
	for _, d := range rs[0].Verdict.DropDetails {
		if d.Cause == "error" {
			t.Errorf("drop %s keeps the old word %q", d.Conn, d.Cause)
		}
		if d.Cause == ledger.CauseOther {
			others++
		}
	}
	if others == 0 {
		t.Errorf("no drop reads as %q: %+v", ledger.CauseOther, rs[0].Verdict.DropDetails)
	}
	if md := string(readFile(t, dir, SummaryFile)); !strings.Contains(md, "other") {
		t.Errorf("summary.md does not name the cause other:\n%s", md)
	}
}
