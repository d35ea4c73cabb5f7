package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// FuzzRegenerate: ledger bytes in, reports out. Whatever ledger.jsonl holds,
// Regenerate returns results or an error; it never panics or hangs (the
// SVG timeline once looped until out of memory on absurd times).
func FuzzRegenerate(f *testing.F) {
	dir := f.TempDir()
	writeLedgerF(f, dir)
	whole, err := os.ReadFile(filepath.Join(dir, LedgerFile))
	if err != nil {
		f.Fatal(err)
	}
	const ok = `{"seq":1,"t":"2026-03-01T12:00:00Z","kind":"established","conn":"c"}` + "\n"
	for _, seed := range [][]byte{
		whole,
		whole[:len(whole)-9], // torn last line
		nil,                  // empty ledger
		[]byte(ok + `{"seq":2,"kind":"drop","conn":"c"}` + "\n"), // no time
		[]byte(`{"seq":1,"t":"0001-01-01T00:00:00.001Z","kind":"dial"}` + "\n" + `{"seq":2,"t":"9999-12-31T00:00:00Z","kind":"drop","conn":"c"}` + "\n"),              // absurd span
		[]byte(ok + `{"seq":2,"t":"2026-03-01T12:00:01Z","kind":"disruption-start"}` + "\n" + `{"seq":3,"t":"2026-03-08T12:00:00Z","kind":"drop","conn":"c"}` + "\n"), // 7 days
		bytes.Repeat([]byte(ok), 3),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, LedgerFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		var rs []Result
		var err error
		done := make(chan struct{})
		go func() { defer close(done); rs, err = Regenerate(dir) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			buf := make([]byte, 1<<20)
			t.Fatalf("Regenerate hangs on %q\n%s", b, buf[:runtime.Stack(buf, true)])
		}
		if err == nil && len(rs) != 1 {
			t.Fatalf("one ledger, %d results", len(rs))
		}
	})
}

// writeLedgerF writes the twin run's ledger into dir as the sink would (for fuzz seeds).
func writeLedgerF(f *testing.F, dir string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, e := range twinRun().Events {
		if err := enc.Encode(e); err != nil {
			f.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, LedgerFile), b.Bytes(), 0o644); err != nil {
		f.Fatal(err)
	}
}
