package reports

import (
	"fmt"
	"os"
	"path/filepath"
)

// StepSummaryEnv names the file GitHub Actions renders on the job's page.
const StepSummaryEnv = "GITHUB_STEP_SUMMARY"

// stepSummaryLimit is GitHub's limit on a step's summary: beyond it the
// summary is not shown at all.
const stepSummaryLimit = 1 << 20

// AppendStepSummary appends dir's summary.md (a run's or a suite's) to the
// file $GITHUB_STEP_SUMMARY names; without it, it does nothing. A summary
// GitHub would refuse is replaced by a line saying where it is.
func AppendStepSummary(dir string) error {
	dst := os.Getenv(StepSummaryEnv)
	if dst == "" {
		return nil
	}
	src := filepath.Join(dir, SummaryFile)
	md, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("reports: %s: %w", StepSummaryEnv, err)
	}
	if st, err := os.Stat(dst); err == nil && st.Size()+int64(len(md)) > stepSummaryLimit {
		md = fmt.Appendf(nil, "drainproof: %s (%d bytes) is beyond GitHub's 1 MiB step summary limit; see it in the job's artifacts.\n", src, len(md))
	}
	f, err := os.OpenFile(dst, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("reports: %s: %w", StepSummaryEnv, err)
	}
	if _, err := f.Write(append(md, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("reports: %s: %w", StepSummaryEnv, err)
	}
	return f.Close()
}
