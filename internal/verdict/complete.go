package verdict

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// The completeness rule. A run can be judged only when the ledger shows that
// the claim was put to the test; otherwise its outcome is INCOMPLETE, never a
// pass, whatever the other checks say. It is incomplete when
//
//   - the ledger holds a ledger.Incomplete event (the run was interrupted,
//     the scenario timed out, a probe failed, a ledger line was torn; its
//     Error is the reason), or holds no event at all;
//   - a probe dialled but never established a connection, or a load probe
//     made requests none of which succeeded (nothing was carried through
//     the target at all);
//   - a DisruptionStart has no DisruptionDone after it (the disruption did
//     not finish), or its DisruptionDone reports a failure (Code != 0 or an
//     Error: a disruption command that exited non-zero);
//   - a DisruptionStart names its victims (Detail["pods"], comma-separated)
//     and one of them never has a PodDeleting or PodGone in the ledger
//     (nothing was deleted, the rollout did not start);
//   - a probe connection was closed by the client while its heartbeat had
//     gone unanswered (ledger.DetailUnanswered: it may have been
//     black-holed), and the rest of the ledger proves no failure (a pass,
//     or a known-bad twin's control that did not hold);
//   - the disruption carried nothing: its named victims together carried no
//     probe connection, request, hit or outbound call (attribution rule of
//     index.go); with no victims named (attach mode's --disrupt), no probe
//     connection was open when it started and no request followed.
//
// A ledger with no DisruptionStart at all is judged as it stands (attach mode
// probing while someone else disrupts); the finding says "no disruption
// recorded", so a reader knows nothing in the ledger shows a disruption.

// incompleteReasons are the ledger's own statements that the run could not
// be judged (ledger.NotRun and ledger.Incomplete events, recorded by whoever knew: the run
// engine on interruption, the ledger reader on a torn line), plus what the
// events themselves show (nothing recorded at all).
func incompleteReasons(evs []ledger.Event) []string {
	var out []string
	if len(evs) == 0 {
		return []string{"the ledger holds no events"}
	}
	for _, e := range evs {
		if e.Kind == ledger.Incomplete || e.Kind == ledger.NotRun {
			r := e.Error
			if r == "" {
				r = fmt.Sprintf("incomplete (event %d)", e.Seq)
			}
			out = append(out, r)
		}
	}
	return out
}

// checkComplete applies the completeness rule: one finding (check
// "complete") and the reasons the run is incomplete (nil when complete).
func checkComplete(ix *index, metrics map[string]*PodMetrics, tl Timeline, unproven bool) (Finding, []string) {
	reasons := incompleteReasons(ix.events)
	evidence := append(kindEvents(ix.events, ledger.NotRun), kindEvents(ix.events, ledger.Incomplete)...)
	reasons = append(reasons, neverEstablished(ix.events)...)
	if unproven {
		why, evs := unanswered(ix, tl)
		reasons = append(reasons, why...)
		evidence = append(evidence, evs...)
	}

	starts := kindEvents(ix.events, ledger.DisruptionStart)
	dones := kindEvents(ix.events, ledger.DisruptionDone)
	evidence = append(evidence, starts...)
	evidence = append(evidence, dones...)
	var carried []string
	for i, s := range starts {
		what := disruptionName(s)
		var done *ledger.Event
		if i < len(dones) && !dones[i].Time.Before(s.Time) {
			done = &dones[i]
		}
		switch {
		case done == nil:
			reasons = append(reasons, fmt.Sprintf("disruption %s started at %s and never finished (no %s)", what, tl.Format(s.Time), ledger.DisruptionDone))
		case done.Code != 0 || done.Error != "":
			reasons = append(reasons, fmt.Sprintf("disruption %s failed: %s", what, failureText(*done)))
		}
		victims := victimsOf(ix, s)
		if len(victims) > 0 {
			var untouched []string
			for _, v := range victims {
				if p := ix.pods[v]; p == nil || (p.deleting == nil && p.gone == nil) {
					untouched = append(untouched, v)
				}
			}
			if len(untouched) > 0 {
				reasons = append(reasons, fmt.Sprintf("nothing deleted: disruption %s named %s, never seen deleting", what, strings.Join(untouched, ", ")))
			}
		}
		load := carriedBy(ix, metrics, victims, s.Time)
		if load.none() {
			if len(victims) > 0 {
				reasons = append(reasons, fmt.Sprintf("nothing carried: the disrupted pods (%s) carried no probe connection, request or outbound call", strings.Join(victims, ", ")))
			} else {
				reasons = append(reasons, fmt.Sprintf("nothing carried: no probe connection was open and no request made when disruption %s started at %s", what, tl.Format(s.Time)))
			}
		}
		carried = append(carried, fmt.Sprintf("disruption %s at %s carried %s", what, tl.Format(s.Time), load))
	}
	sortEvents(evidence)
	f := Finding{Check: CheckComplete, Pass: len(reasons) == 0, Evidence: capEvents(evidence)}
	switch {
	case len(kindEvents(ix.events, ledger.NotRun)) > 0:
		f.Message = "not run: " + strings.Join(reasons, "; ")
	case len(reasons) > 0:
		f.Message = "incomplete: " + strings.Join(reasons, "; ")
	case len(starts) == 0:
		f.Message = "no disruption recorded: the ledger does not show that anything was disrupted; judged as it stands"
	default:
		f.Message = "complete: " + strings.Join(carried, "; ")
	}
	return f, reasons
}

// unanswered names the connections the client closed while a heartbeat had
// gone unanswered past the probe's heartbeat timeout
// (ledger.DetailUnanswered): they may have been black-holed, so the ledger
// cannot tell whether they were carried to their end.
func unanswered(ix *index, tl Timeline) ([]string, []ledger.Event) {
	var why []string
	var evs []ledger.Event
	for _, id := range ix.connIDs {
		end := ix.conns[id].end
		if end == nil || end.Kind != ledger.ClosedByClient || end.Detail[ledger.DetailUnanswered] == "" {
			continue
		}
		evs = append(evs, *end)
		why = append(why, fmt.Sprintf("could not tell: %s was closed by the client at %s with its heartbeat unanswered for %s",
			id, tl.Format(end.Time), end.Detail[ledger.DetailUnanswered]))
	}
	return why, evs
}

// neverEstablished names the probes that carried nothing at all: dialled
// without one Established, or made requests (hits) none of which succeeded.
func neverEstablished(evs []ledger.Event) []string {
	type tally struct{ dials, failures, established, hits, hitsOK int }
	byProbe := map[string]*tally{}
	var names []string
	for _, e := range evs {
		if e.Probe == "" {
			continue
		}
		t := byProbe[e.Probe]
		if t == nil {
			t = &tally{}
		}
		switch e.Kind {
		case ledger.Dial:
			t.dials++
		case ledger.DialFailure:
			t.failures++
		case ledger.Established:
			t.established++
		case ledger.Hit:
			t.hits++
			if requestOK(e) {
				t.hitsOK++
			}
		default:
			continue
		}
		if byProbe[e.Probe] == nil {
			byProbe[e.Probe] = t
			names = append(names, e.Probe)
		}
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		t := byProbe[n]
		switch {
		case (t.dials > 0 || t.failures > 0) && t.established == 0:
			out = append(out, fmt.Sprintf("probe %s never established a connection (%d dial failures)", n, t.failures))
		case t.hits > 0 && t.hitsOK == 0 && t.established == 0:
			out = append(out, fmt.Sprintf("probe %s: none of its %d requests succeeded", n, t.hits))
		}
	}
	return out
}

// disruptionName is "ACTION TARGET" of a disruption event, or "(unnamed)".
func disruptionName(e ledger.Event) string {
	s := strings.TrimSpace(e.Detail["action"] + " " + e.Detail["target"])
	if s == "" {
		return "(unnamed)"
	}
	return s
}

func failureText(e ledger.Event) string {
	var parts []string
	if e.Code != 0 {
		parts = append(parts, fmt.Sprintf("exit status %d", e.Code))
	}
	if e.Error != "" {
		parts = append(parts, e.Error)
	}
	return strings.Join(parts, ": ")
}

// victimsOf is the disruption's named victims (Detail["pods"]) as the
// ledger's pod names, sorted.
func victimsOf(ix *index, start ledger.Event) []string {
	var out []string
	for _, name := range start.StoppedPods() {
		out = append(out, ix.canonicalPodName(name))
	}
	sort.Strings(out)
	return out
}

// traffic counts what a disruption's victims carried.
type traffic struct{ connections, requests, outbound int }

func (t traffic) none() bool { return t.connections+t.requests+t.outbound == 0 }

func (t traffic) String() string {
	return fmt.Sprintf("%s, %s, %s", plural(t.connections, "connection"), plural(t.requests, "request"), plural(t.outbound, "outbound call"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// carriedBy counts the traffic of victims over the whole run; with no
// victims, the connections open at start and the requests at or after it.
func carriedBy(ix *index, metrics map[string]*PodMetrics, victims []string, start time.Time) traffic {
	var t traffic
	if len(victims) == 0 {
		for _, id := range ix.connIDs {
			c := ix.conns[id]
			if c.established != nil && !c.established.Time.After(start) && (c.end == nil || !c.end.Time.Before(start)) {
				t.connections++
			}
		}
		for _, e := range ix.events {
			if !e.Time.Before(start) {
				switch e.Kind {
				case ledger.Request, ledger.Hit:
					t.requests++
				case ledger.Outbound:
					t.outbound++
				}
			}
		}
		return t
	}
	is := map[string]bool{}
	for _, v := range victims {
		is[v] = true
		if m := metrics[v]; m != nil {
			t.connections += m.Connections
		}
	}
	for _, e := range ix.events {
		switch e.Kind {
		case ledger.Request, ledger.Hit:
			if is[ix.requestPod(e)] {
				t.requests++
			}
		case ledger.Outbound:
			if h := podHint(e); h != "" && is[ix.canonicalPodName(h)] {
				t.outbound++
			}
		}
	}
	return t
}

// requestPod is the pod that carried a Request or Hit: its connection's pod,
// else the attribution rule applied to the event itself.
func (ix *index) requestPod(e ledger.Event) string {
	if c := ix.conns[e.Conn]; e.Conn != "" && c != nil && c.pod != "" {
		return c.pod
	}
	return ix.resolve(e.Pod, e.Peer, e.Detail["pod"], e.Time)
}

// Load is what one pod carries at a moment: probe connections open, and
// requests and hits it served so far.
type Load struct {
	Pod         string `json:"pod"` // "" collects the unattributable
	Connections int    `json:"connections"`
	Requests    int    `json:"requests"`
}

// Carrying is, per pod, the probe connections open at the end of events and
// the requests it served, by the attribution rule (index.go); busiest first
// (most connections, then most requests, then by name). The disruption uses
// it to pick its victim and to record what each pod carried.
func Carrying(events []ledger.Event) []Load {
	ix := buildIndex(canonical(events))
	byPod := map[string]*Load{}
	get := func(pod string) *Load {
		l := byPod[pod]
		if l == nil {
			l = &Load{Pod: pod}
			byPod[pod] = l
		}
		return l
	}
	for _, id := range ix.connIDs {
		if c := ix.conns[id]; c.established != nil && c.end == nil {
			get(c.pod).Connections++
		}
	}
	for _, e := range ix.events {
		if e.Kind == ledger.Request || e.Kind == ledger.Hit {
			get(ix.requestPod(e)).Requests++
		}
	}
	out := make([]Load, 0, len(byPod))
	for _, l := range byPod {
		out = append(out, *l)
	}
	BusiestFirst(out, func(l Load) (string, int, int) { return l.Pod, l.Connections, l.Requests })
	return out
}

// BusiestFirst sorts loads by what they carried: most connections first, then most requests,
// then name order (the one order wherever drainproof picks the busiest pod or node).
func BusiestFirst[T any](loads []T, of func(T) (name string, connections, requests int)) {
	sort.Slice(loads, func(i, j int) bool {
		an, ac, ar := of(loads[i])
		bn, bc, br := of(loads[j])
		if ac != bc {
			return ac > bc
		}
		if ar != br {
			return ar > br
		}
		return an < bn
	})
}
