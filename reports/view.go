package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/drainproof/drainproof/harness/ledger"
	"github.com/drainproof/drainproof/harness/verdict"
)

// Outcome is a run's headline: the verdict's own Outcome as a word and
// whether a suite is green for it.
type Outcome struct {
	Word string // verdict.Outcome
	OK   bool   // the suite should be green for this run
}

// OutcomeOf reads the verdict's outcome; reports never re-derive it.
func OutcomeOf(r Result) Outcome {
	o := r.Verdict.Outcome
	return Outcome{string(o), o.OK()}
}

// isTwin says whether r is a known-bad twin (judged by its control).
func isTwin(r Result) bool { return r.Verdict.Control != nil || r.Run.TwinOf != "" }

// runName is the scenario name, never empty.
func runName(r Result) string {
	if r.Run.Scenario != "" {
		return r.Run.Scenario
	}
	return "run"
}

// rel formats t on r's timeline ("+1.204s").
func rel(r Result, t time.Time) string { return r.Verdict.Timeline.Format(t) }

func relPtr(r Result, t *time.Time) string {
	if t == nil {
		return "—"
	}
	return rel(r, *t)
}

func durPtr(d *verdict.Duration) string {
	if d == nil {
		return "—"
	}
	return secs(d.Duration)
}

// secs prints a duration as seconds with ms ("2.400s").
func secs(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	return fmt.Sprintf("%s%d.%03ds", sign, d/time.Second, (d%time.Second)/time.Millisecond)
}

// originText says what the timeline's zero is.
func originText(r Result) string {
	tl := r.Verdict.Timeline
	if tl.Origin.IsZero() {
		return "no events"
	}
	what := "the first event"
	if tl.OriginKind == ledger.DisruptionStart {
		what = "the first disruption"
	}
	return fmt.Sprintf("%s, %s", what, tl.Origin.UTC().Format("2006-01-02T15:04:05.000Z"))
}

// describe is one event in a line of text, without its time.
func describe(e ledger.Event) string {
	parts := []string{string(e.Kind)}
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+v)
		}
	}
	add("", e.Conn)
	add("pod=", e.Pod)
	add("peer=", e.Peer)
	add("cause=", e.Cause)
	if e.Code != 0 {
		parts = append(parts, fmt.Sprintf("code=%d", e.Code))
	}
	if e.Latency != 0 {
		parts = append(parts, "latency="+e.Latency.String())
	}
	add("error=", e.Error)
	for _, k := range []string{"action", "container", "pod", "why"} {
		add(k+"=", e.Detail[k])
	}
	return strings.Join(parts, " ")
}

// podEventKinds are drawn and listed on timelines.
func isMarkerKind(k ledger.Kind) bool {
	switch k {
	case ledger.PodDeleting, ledger.EndpointRemoved, ledger.ContainerExited, ledger.PodGone:
		return true
	}
	return false
}
