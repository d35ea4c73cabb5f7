package verdict

import (
	"fmt"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// Timeline is the origin reports measure times from: the first
// DisruptionStart, or the first event when there is none.
type Timeline struct {
	Origin     time.Time   `json:"origin"`
	OriginKind ledger.Kind `json:"originKind,omitempty"`
}

// NewTimeline finds the origin of events (in any order).
func NewTimeline(events []ledger.Event) Timeline {
	var t Timeline
	found := false
	for _, e := range events {
		if e.Kind == ledger.DisruptionStart && (!found || e.Time.Before(t.Origin)) {
			t, found = Timeline{Origin: e.Time, OriginKind: e.Kind}, true
		}
	}
	if found {
		return t
	}
	var first *ledger.Event
	for i := range events {
		if first == nil || compareEvents(events[i], *first) < 0 {
			first = &events[i]
		}
	}
	if first != nil {
		t = Timeline{Origin: first.Time, OriginKind: first.Kind}
	}
	return t
}

// Rel is ts relative to the origin.
func (t Timeline) Rel(ts time.Time) time.Duration { return ts.Sub(t.Origin) }

// Format is ts relative to the origin, signed, in seconds with ms: "+1.204s".
func (t Timeline) Format(ts time.Time) string {
	d := t.Rel(ts)
	if d < 0 {
		return fmtDur(d)
	}
	return "+" + fmtDur(d)
}

// Entry is one event placed on the timeline.
type Entry struct {
	Rel   time.Duration `json:"rel"`
	Event ledger.Event  `json:"event"`
}

// Entries places events (in canonical order) on the timeline.
func (t Timeline) Entries(events []ledger.Event) []Entry {
	evs := canonical(events)
	out := make([]Entry, len(evs))
	for i, e := range evs {
		out[i] = Entry{Rel: t.Rel(e.Time), Event: e}
	}
	return out
}

// fmtDur prints a duration as seconds with millisecond precision ("1.204s").
func fmtDur(d time.Duration) string {
	sign, mag := "", uint64(d)
	if d < 0 {
		sign, mag = "-", uint64(-(d+1))+1 // no overflow at math.MinInt64
	}
	return fmt.Sprintf("%s%d.%03ds", sign, mag/uint64(time.Second), (mag%uint64(time.Second))/uint64(time.Millisecond))
}
