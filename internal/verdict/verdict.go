package verdict

import (
	"sort"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// EvidenceCap bounds how many events (or per-drop findings) one check
// reports; counts are always complete.
const EvidenceCap = 20

// Verdict is the judgement of one run.
type Verdict struct {
	// Outcome is the headline (see Outcome); only it decides green or red.
	Outcome Outcome `json:"outcome"`
	// IncompleteReasons say why the outcome is INCOMPLETE or NOT RUN (empty
	// otherwise).
	IncompleteReasons []string `json:"incompleteReasons,omitempty"`
	// Pass is true when every check passed, the run's completeness included:
	// the system drained cleanly. For a known-bad twin Pass is expected to be
	// false; see Control and Succeeded.
	Pass         bool `json:"pass"`
	Drops        int  `json:"drops"`
	Connections  int  `json:"connections"` // connections that reached Established
	Stalls       int  `json:"stalls"`
	DialFailures int  `json:"dialFailures"`
	Requests     int  `json:"requests"` // Request and Hit events
	Errors       int  `json:"errors"`   // failed Request and Hit events

	SuccessRatio *RatioSummary    `json:"successRatio,omitempty"`
	Outbound     *OutboundSummary `json:"outbound,omitempty"`

	// Timeline is the origin reports measure times from.
	Timeline    Timeline        `json:"timeline"`
	Pods        []PodMetrics    `json:"pods"`
	DropDetails []Drop          `json:"dropDetails"`
	Control     *ControlOutcome `json:"control,omitempty"`
	Findings    []Finding       `json:"findings"`
	// Latency is each probe's latency distribution (see latency.go).
	Latency []LatencySummary `json:"latency,omitempty"`

	// Conns is every established connection's life, in order of first
	// event. Evaluate fills it; it is not written to verdict.json (the
	// ledger holds it) but reports draw from it.
	Conns []Conn `json:"-"`
}

// Succeeded is the outcome a suite wants: Pass for a scenario, the control
// holding for a known-bad twin.
func (v Verdict) Succeeded() bool { return v.Outcome.OK() }

// Finding is one judged claim with the events that prove it.
type Finding struct {
	Check    string         `json:"check"`
	Pass     bool           `json:"pass"`
	Message  string         `json:"message"`
	Pod      string         `json:"pod,omitempty"`
	Conn     string         `json:"conn,omitempty"` // the connection a per-connection finding is about
	Evidence []ledger.Event `json:"evidence"`
}

// PodMetrics is what happened to one pod. Times are absolute; durations are
// nil when they could not be measured.
type PodMetrics struct {
	Pod               string     `json:"pod"`
	IP                string     `json:"ip,omitempty"`
	Deleting          *time.Time `json:"deleting,omitempty"`
	Exited            *time.Time `json:"exited,omitempty"` // last container exit
	Gone              *time.Time `json:"gone,omitempty"`
	LastConnectionEnd *time.Time `json:"lastConnectionEnd,omitempty"`
	DrainTime         *Duration  `json:"drainTime,omitempty"` // deleting → last container exit (or gone)
	Linger            *Duration  `json:"linger,omitempty"`    // see Expect.MaxLinger
	Connections       int        `json:"connections"`         // probe connections carried
	Drops             int        `json:"drops"`
	Stalls            int        `json:"stalls"`
	OutboundCalls     int        `json:"outboundCalls,omitempty"`
}

// Drop is one dropped connection and what it is attributed to.
type Drop struct {
	Seq          int64        `json:"seq"` // the Drop event's ledger Seq
	Conn         string       `json:"conn,omitempty"`
	Time         time.Time    `json:"t"`
	Cause        ledger.Cause `json:"cause,omitempty"`
	Peer         string       `json:"peer,omitempty"`
	Pod          string       `json:"pod,omitempty"`      // carrying pod, "" when unattributable
	PodEvent     ledger.Kind  `json:"podEvent,omitempty"` // the pod's latest lifecycle event at or before the drop
	PodEventTime *time.Time   `json:"podEventTime,omitempty"`
	// AfterDeleting: the carrying pod had a PodDeleting at or before the drop.
	AfterDeleting bool `json:"afterDeleting"`
	// SinceDeleting is the drop's time minus the carrying pod's PodDeleting
	// (negative when the watch delivered the delete after the drop); nil when
	// the pod was never seen deleting.
	SinceDeleting *Duration `json:"sinceDeleting,omitempty"`

	drop, established, podEvent, deleting *ledger.Event
}

// Evidence is the drop event, the connection's established event, the pod
// event it is attributed to and the pod's PodDeleting (those that exist), in
// time order.
func (d Drop) Evidence() []ledger.Event {
	var out []ledger.Event
	for _, e := range []*ledger.Event{d.established, d.podEvent, d.deleting, d.drop} {
		if e != nil && (e != d.deleting || d.deleting != d.podEvent) {
			out = append(out, *e)
		}
	}
	sortEvents(out)
	return out
}

// RatioSummary is the request success ratio, overall and in the worst window.
type RatioSummary struct {
	Window      Duration  `json:"window"` // 0: one window over the run
	Overall     float64   `json:"overall"`
	Worst       float64   `json:"worst"`
	WorstStart  time.Time `json:"worstStart"`
	WorstEnd    time.Time `json:"worstEnd"`
	WorstTotal  int       `json:"worstTotal"`
	WorstFailed int       `json:"worstFailed"`
}

// OutboundSummary counts the in-pod caller's calls.
type OutboundSummary struct {
	Calls     int     `json:"calls"`     // all Outbound events
	InWindow  int     `json:"inWindow"`  // inside their pod's drain window
	Succeeded int     `json:"succeeded"` // of InWindow
	Ratio     float64 `json:"ratio"`     // Succeeded / InWindow (0 when none)
}

// ControlOutcome says whether a known-bad twin failed the way it must.
type ControlOutcome struct {
	Held    bool   `json:"held"`
	Message string `json:"message"`
}

// Evaluate judges events against exp. It is pure and deterministic.
func Evaluate(exp Expect, events []ledger.Event) Verdict {
	evs := canonical(events)
	ix := buildIndex(evs)
	v := Verdict{Timeline: NewTimeline(evs), Pods: []PodMetrics{}, DropDetails: []Drop{}}
	metrics := map[string]*PodMetrics{}
	for _, name := range ix.podNames {
		metrics[name] = ix.podMetrics(name)
	}
	countEvents(&v, ix, metrics)

	var fs []Finding
	fs = append(fs, checkDrops(exp, &v, ix, metrics)...)
	fs = append(fs, checkCount(CheckStalls, "stalls", exp.MaxStalls, kindEvents(evs, ledger.Stall))...)
	fs = append(fs, checkCount(CheckDialFailures, "dial failures", exp.maxDialFailures(ix.dialled()), kindEvents(evs, ledger.DialFailure))...)
	fs = append(fs, checkSuccessRatio(exp, &v, evs)...)
	fs = append(fs, checkOutbound(exp, &v, ix, metrics)...)
	fs = append(fs, checkLinger(exp, ix, metrics)...)
	fs = append(fs, checkDrainTime(exp, ix)...)

	v.Pass = true
	for _, f := range fs {
		if !f.Pass {
			v.Pass = false
		}
	}
	if exp.ExpectFailure != nil {
		f, outcome := checkControl(*exp.ExpectFailure, v.Pass, fs, v.DropDetails, metrics)
		v.Control = &outcome
		fs = append(fs, f)
	}
	// A connection closed by the client while its heartbeat went unanswered
	// cannot tell whether it was carried: it blocks a pass (and a twin's
	// control that did not hold), never a failure the ledger proves.
	proven := (v.Control == nil && !v.Pass) || (v.Control != nil && v.Control.Held)
	complete, reasons := checkComplete(ix, metrics, v.Timeline, !proven)
	fs = append(fs, complete)
	v.Pass = v.Pass && complete.Pass
	sortFindings(fs)
	v.Findings = fs
	v.IncompleteReasons = reasons
	v.Outcome = outcomeOf(v)
	if len(kindEvents(evs, ledger.NotRun)) > 0 {
		v.Outcome = NotRun // the run never started: its reasons are the ledger's not-run events
	}
	for _, name := range ix.podNames {
		v.Pods = append(v.Pods, *metrics[name])
	}
	v.Conns = ix.connLives()
	v.Latency = latencies(evs)
	return v
}

// sortFindings orders findings by check (checkOrder), keeping each check's own order.
func sortFindings(fs []Finding) {
	rank := map[string]int{}
	for i, c := range checkOrder {
		rank[c] = i
	}
	sort.SliceStable(fs, func(i, j int) bool { return rank[fs[i].Check] < rank[fs[j].Check] })
	for i := range fs {
		if fs[i].Evidence == nil {
			fs[i].Evidence = []ledger.Event{}
		}
	}
}

func sortEvents(es []ledger.Event) {
	sort.SliceStable(es, func(i, j int) bool { return compareEvents(es[i], es[j]) < 0 })
}

func kindEvents(evs []ledger.Event, k ledger.Kind) []ledger.Event {
	var out []ledger.Event
	for _, e := range evs {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

func capEvents(es []ledger.Event) []ledger.Event {
	if len(es) > EvidenceCap {
		es = es[:EvidenceCap]
	}
	return append([]ledger.Event{}, es...)
}

func timePtr(t time.Time) *time.Time { return &t }

// requestOK says whether a Request, Hit or Outbound event succeeded: no error,
// no cause, and no HTTP error status (Code 0 with no error counts as success,
// for calls that are not HTTP).
func requestOK(e ledger.Event) bool {
	return e.Error == "" && e.Cause == "" && e.Code < 400
}
