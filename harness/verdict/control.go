package verdict

import (
	"fmt"
	"strings"
	"time"

	"github.com/drainproof/drainproof/harness/ledger"
)

// checkControl judges a known-bad twin (see NegativeControl). pass is the
// verdict of the other checks, fs their findings.
func checkControl(c NegativeControl, pass bool, fs []Finding, drops []Drop) (Finding, ControlOutcome) {
	var problems []string
	var evidence []ledger.Event
	if pass {
		problems = append(problems, "the verdict passed")
	}
	failed := map[string]bool{}
	for _, f := range fs {
		if !f.Pass {
			failed[f.Check] = true
		}
	}
	for _, check := range c.FailChecks {
		if !failed[check] {
			problems = append(problems, fmt.Sprintf("check %s did not fail", check))
		}
	}
	if c.Attribution == AttributionRequired {
		if len(drops) == 0 {
			problems = append(problems, "no drop to attribute")
		}
		bad := 0
		for _, d := range drops {
			if reason := misattributed(d, c.PodPrefix, c.tolerance()); reason != "" {
				if bad < EvidenceCap {
					evidence = append(evidence, *d.drop)
				}
				if bad == 0 {
					problems = append(problems, fmt.Sprintf("drop of %s %s", orUnknown(d.Conn), reason))
				}
				bad++
			}
		}
		if bad > 1 {
			problems = append(problems, fmt.Sprintf("%d drops in all are not attributed to a deleting pod", bad))
		}
	}
	o := ControlOutcome{Held: len(problems) == 0}
	if o.Held {
		o.Message = "known-bad twin failed as it must"
		if c.Attribution == AttributionRequired {
			o.Message += fmt.Sprintf(", all %d drops attributed to deleting pods", len(drops))
			if c.PodPrefix != "" {
				o.Message += " named " + c.PodPrefix + "*"
			}
			for i, d := range drops {
				if i == EvidenceCap {
					break
				}
				evidence = append(evidence, d.Evidence()...)
			}
		}
	} else {
		o.Message = "negative control did not hold: " + strings.Join(problems, "; ")
	}
	sortEvents(evidence)
	return Finding{Check: CheckControl, Pass: o.Held, Message: o.Message, Evidence: capEvents(evidence)}, o
}

// misattributed says why d is not attributed as a control requires ("" when it is).
func misattributed(d Drop, prefix string, tolerance time.Duration) string {
	switch {
	case d.Pod == "":
		return "is not attributable to a pod"
	case d.SinceDeleting == nil:
		return fmt.Sprintf("is attributed to %s, which was never deleted", d.Pod)
	case d.SinceDeleting.Duration < -tolerance:
		return fmt.Sprintf("came %s before %s was deleting (tolerance %s)", fmtDur(-d.SinceDeleting.Duration), d.Pod, tolerance)
	case prefix != "" && !strings.HasPrefix(d.Pod, prefix) && !strings.HasPrefix(podShortName(d.Pod), prefix):
		return fmt.Sprintf("is attributed to %s, not a pod named %s*", d.Pod, prefix)
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "(no conn id)"
	}
	return s
}
