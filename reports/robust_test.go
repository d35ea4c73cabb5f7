package reports

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/drainproof/drainproof/harness/verdict"
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
	if v.Outcome != verdict.Incomplete || len(v.IncompleteReasons) != 1 || !strings.Contains(v.IncompleteReasons[0], at) {
		t.Fatalf("outcome %s, reasons %q: want INCOMPLETE naming %s", v.Outcome, v.IncompleteReasons, at)
	}
	if got := string(readFile(t, dir, VerdictFile)); !strings.Contains(got, `"INCOMPLETE"`) {
		t.Errorf("verdict.json does not say INCOMPLETE:\n%s", got)
	}
}

