package verdict

import (
	"fmt"
	"strings"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// checkControl judges a known-bad twin (see NegativeControl). pass is the
// verdict of the other checks, fs their findings.
func checkControl(c NegativeControl, pass bool, fs []Finding, drops []Drop, pods map[string]*PodMetrics) (Finding, ControlOutcome) {
	var problems []string
	var evidence []ledger.Event
	blindDrops := 0
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
		bad, blind, attributed := 0, 0, 0
		for _, d := range drops {
			reason := misattributed(d, c.PodPrefix, c.tolerance())
			if reason == "" {
				attributed++
				continue
			}
			if unseenInsideDeletion(d, c.PodPrefix, c.tolerance(), pods) {
				blind++
				continue
			}
			if bad < EvidenceCap {
				evidence = append(evidence, *d.drop)
			}
			if bad == 0 {
				problems = append(problems, fmt.Sprintf("drop of %s %s", orUnknown(d.Conn), reason))
			}
			bad++
		}
		if bad > 1 {
			problems = append(problems, fmt.Sprintf("%d drops in all are not attributed to a deleting pod", bad))
		}
		if blind > 0 && attributed == 0 {
			problems = append(problems, fmt.Sprintf("none of the %d drops names its pod", blind))
		}
		blindDrops = blind
	}
	o := ControlOutcome{Held: len(problems) == 0}
	if o.Held {
		o.Message = "known-bad twin failed as it must"
		if c.Attribution == AttributionRequired {
			o.Message += fmt.Sprintf(", all %d drops attributed to deleting pods", len(drops)-blindDrops)
			if c.PodPrefix != "" {
				o.Message += " named " + c.PodPrefix + "*"
			}
			if blindDrops > 0 {
				o.Message += fmt.Sprintf("; %d more on connections that never saw a response (so no pod named itself), all inside a deletion", blindDrops)
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

// unseenInsideDeletion: d is on a connection that never learned its pod (no
// response, no peer: a fresh connection reset before the server answered,
// typically one the node still sent to a terminating pod) and it came while
// a pod of the control (PodPrefix) was between its PodDeleting and its end
// (last exit, else gone; neither: still ending), each widened by tolerance.
// Such a drop cannot be attributed, but neither does it contradict the
// attribution; a control still needs at least one attributed drop.
func unseenInsideDeletion(d Drop, prefix string, tolerance time.Duration, pods map[string]*PodMetrics) bool {
	if d.Pod != "" || d.Peer != "" {
		return false
	}
	for name, m := range pods {
		if m.Deleting == nil || prefix != "" && !strings.HasPrefix(name, prefix) && !strings.HasPrefix(podShortName(name), prefix) {
			continue
		}
		if d.Time.Before(m.Deleting.Add(-tolerance)) {
			continue
		}
		end := m.Exited
		if end == nil {
			end = m.Gone
		}
		if end == nil || !d.Time.After(end.Add(tolerance)) {
			return true
		}
	}
	return false
}

func orUnknown(s string) string {
	if s == "" {
		return "(no conn id)"
	}
	return s
}
