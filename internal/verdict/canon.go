package verdict

import (
	"sort"
	"strings"

	"github.com/drainproof/drainproof/internal/ledger"
)

// canonical returns a sorted copy of events. The order is total over every
// field (Time, then Seq, then the rest), so any permutation of the same
// events yields the same slice: this is what makes Evaluate deterministic
// even for merged ledgers whose Seq numbers collide.
func canonical(events []ledger.Event) []ledger.Event {
	out := append([]ledger.Event(nil), events...)
	sort.SliceStable(out, func(i, j int) bool { return compareEvents(out[i], out[j]) < 0 })
	return out
}

func compareEvents(a, b ledger.Event) int {
	if c := a.Time.Compare(b.Time); c != 0 {
		return c
	}
	if c := cmpInt(a.Seq, b.Seq); c != 0 {
		return c
	}
	for _, p := range [][2]string{
		{string(a.Kind), string(b.Kind)}, {a.Conn, b.Conn}, {a.Pod, b.Pod}, {a.Peer, b.Peer},
		{a.Probe, b.Probe}, {a.Target, b.Target}, {string(a.Cause), string(b.Cause)}, {a.Error, b.Error},
	} {
		if c := strings.Compare(p[0], p[1]); c != 0 {
			return c
		}
	}
	if c := cmpInt(int64(a.Code), int64(b.Code)); c != 0 {
		return c
	}
	if c := cmpInt(int64(a.Latency), int64(b.Latency)); c != 0 {
		return c
	}
	switch {
	case a.APITime == nil && b.APITime != nil:
		return -1
	case a.APITime != nil && b.APITime == nil:
		return 1
	case a.APITime != nil:
		if c := a.APITime.Compare(*b.APITime); c != 0 {
			return c
		}
	}
	return strings.Compare(detailKey(a.Detail), detailKey(b.Detail))
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// detailKey is Detail flattened in key order, for comparison only.
func detailKey(d map[string]string) string {
	if len(d) == 0 {
		return ""
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(d[k])
		b.WriteByte(0)
	}
	return b.String()
}
