package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ledgerLines is a two-connection ledger as the probe writes it.
const ledgerLines = `{"seq":1,"t":"2026-03-01T12:00:00.000Z","kind":"dial","probe":"ssh","conn":"ssh-0001"}
{"seq":2,"t":"2026-03-01T12:00:00.010Z","kind":"established","probe":"ssh","conn":"ssh-0001"}
{"seq":3,"t":"2026-03-01T12:00:05.000Z","kind":"closed-by-client","probe":"ssh","conn":"ssh-0001"}
`

func writeRunDir(t *testing.T, ledger string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ledger.jsonl"), []byte(ledger), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// `drainproof report` on a ledger whose last line a crash tore: judged on
// the whole lines, INCOMPLETE, exit 3 (as the run itself), naming the line it dropped.
func TestReportTornLedgerIsIncomplete(t *testing.T) {
	dir := writeRunDir(t, ledgerLines+`{"seq":4,"t":"2026-03-01T12:00:05.5`)
	r := cli(t, "report", dir)
	line := filepath.Join(dir, "ledger.jsonl") + ":4"
	if r.code != 3 || !strings.Contains(r.stdout, "INCOMPLETE") || !strings.Contains(r.stdout, line) {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s\nwant exit 3, INCOMPLETE, naming %s", r.code, r.stdout, r.stderr, line)
	}
	if r := cli(t, "report", writeRunDir(t, ledgerLines)); r.code != 0 || !strings.Contains(r.stdout, "PASS") {
		t.Fatalf("whole ledger: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}

// An empty ledger is INCOMPLETE (exit 3); an event without a time is an
// error naming the file and line (exit 2), never an out-of-memory timeline.
func TestReportEmptyAndTimelessLedgers(t *testing.T) {
	if r := cli(t, "report", writeRunDir(t, "")); r.code != 3 || !strings.Contains(r.stdout, "INCOMPLETE") {
		t.Fatalf("empty ledger: exit %d\nstdout: %s\nstderr: %s\nwant exit 3 and INCOMPLETE", r.code, r.stdout, r.stderr)
	}
	dir := writeRunDir(t, ledgerLines+`{"seq":4,"kind":"note"}`+"\n")
	r := cli(t, "report", dir)
	if want := filepath.Join(dir, "ledger.jsonl") + ":4: event has no time"; r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Fatalf("event without time: exit %d\nstdout: %s\nstderr: %s\nwant exit 2 naming %q", r.code, r.stdout, r.stderr, want)
	}
}
