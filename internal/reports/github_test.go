package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAppendStepSummary(t *testing.T) {
	dir := t.TempDir()
	if err := WriteSuite(dir, []Result{goodRun(), badRun()}); err != nil {
		t.Fatal(err)
	}
	md := string(readFile(t, dir, SummaryFile))
	t.Setenv(StepSummaryEnv, "")
	if err := AppendStepSummary(dir); err != nil {
		t.Fatalf("unset: %v", err)
	}
	step := filepath.Join(t.TempDir(), "step_summary")
	if err := os.WriteFile(step, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(StepSummaryEnv, step)
	if err := AppendStepSummary(dir); err != nil {
		t.Fatal(err)
	}
	if got := string(readFile(t, filepath.Dir(step), "step_summary")); got != "earlier step\n"+md+"\n" {
		t.Errorf("step summary:\n%s\nwant the earlier content, then summary.md", got)
	}
	// Beyond GitHub's limit: a pointer, not a summary GitHub would drop.
	if err := os.WriteFile(step, make([]byte, stepSummaryLimit), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := AppendStepSummary(dir); err != nil {
		t.Fatal(err)
	}
	b := readFile(t, filepath.Dir(step), "step_summary")
	if tail := string(b[stepSummaryLimit:]); !strings.Contains(tail, "beyond GitHub's 1 MiB step summary limit") {
		t.Errorf("tail %q", tail)
	}
}
