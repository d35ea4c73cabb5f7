package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/verdict"
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
	add("cause=", string(e.Cause))
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

// podDrops is one pod's drops: one row in Checks, the connections under it.
type podDrops struct {
	Pod         string // "" for drops no pod could be named for
	Drops       []verdict.Drop
	First, Last time.Time
	Causes      string // "eof×3, reset×1"
}

// dropsByPod groups the verdict's drops (all of them, in drop order) by the
// pod that carried them, in order of each pod's first drop.
func dropsByPod(v verdict.Verdict) []podDrops {
	var out []podDrops
	at := map[string]int{}
	causes := map[string]map[string]int{}
	for _, d := range v.DropDetails {
		i, ok := at[d.Pod]
		if !ok {
			i = len(out)
			at[d.Pod] = i
			out = append(out, podDrops{Pod: d.Pod, First: d.Time, Last: d.Time})
			causes[d.Pod] = map[string]int{}
		}
		g := &out[i]
		g.Drops = append(g.Drops, d)
		if d.Time.Before(g.First) {
			g.First = d.Time
		}
		if d.Time.After(g.Last) {
			g.Last = d.Time
		}
		causes[d.Pod][orDash(d.Cause)]++
	}
	for i := range out {
		out[i].Causes = causeList(causes[out[i].Pod])
	}
	return out
}

// summary is the pod's drops in one line: "3 drops from +0.906s to +0.910s (eof×3)".
func (g podDrops) summary(r Result) string {
	s := plural(len(g.Drops), "drop") + " at " + rel(r, g.First)
	if !g.Last.Equal(g.First) {
		s = plural(len(g.Drops), "drop") + " from " + rel(r, g.First) + " to " + rel(r, g.Last)
	}
	return s + " (" + g.Causes + ")"
}

// suiteOutcome is several runs' headline (verdict.Overall).
func suiteOutcome(rs []Result) verdict.Outcome {
	os := make([]verdict.Outcome, len(rs))
	for i, r := range rs {
		os[i] = r.Verdict.Outcome
	}
	return verdict.Overall(os...)
}

// latencyCells is one latency summary as table cells.
func latencyCells(l verdict.LatencySummary) []string {
	return []string{l.Probe, l.What, fmt.Sprint(l.Count), ms3(l.P50), ms3(l.P90), ms3(l.P99), ms3(l.Max)}
}

// ms3 prints a latency in milliseconds ("12.3 ms").
func ms3(d verdict.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d.Duration)/float64(time.Millisecond))
}

// StandInSuffix qualifies a run's headline when its traffic went through a
// stand-in data plane: a PASS there is not a pass on the real proxy, so no
// headline may say PASS alone ("" for a real data plane).
func StandInSuffix(r Result) string {
	if d := r.Run.DataPlane; d != nil && d.StandIn {
		return " (data plane: " + d.Proxy + ", a stand-in, not the real proxy)"
	}
	return ""
}
