package verdict

import (
	"sort"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// LatencySummary is one probe's latency distribution over one kind of
// measurement, nearest-rank percentiles.
type LatencySummary struct {
	Probe string   `json:"probe"` // ssh, http, load, outbound
	What  string   `json:"what"`  // what was timed (see latencies)
	Count int      `json:"count"`
	P50   Duration `json:"p50"`
	P90   Duration `json:"p90"`
	P99   Duration `json:"p99"`
	Max   Duration `json:"max"`
}

// Latency measurements, as the ledger records them.
const (
	LatencySSHSetup     = "session setup"                              // ssh Established: dial to a usable session
	LatencySSHHeartbeat = "heartbeat round-trip, worst per connection" // ssh end events' Detail["max_latency"]
	LatencyRequest      = "request"                                    // http Request: request written to body read
	LatencyHit          = "hit"                                        // load Hit
	LatencyCall         = "call"                                       // Outbound, when the caller timed it
)

// latencies summarises every latency the ledger holds, per probe and
// measurement, in a fixed order. The SSH probe records each connection's
// worst heartbeat round trip (on its end event), not every heartbeat: its
// percentiles are over connections.
func latencies(evs []ledger.Event) []LatencySummary {
	type key struct{ probe, what string }
	samples := map[key][]time.Duration{}
	var order []key
	add := func(k key, d time.Duration) {
		if _, ok := samples[k]; !ok {
			order = append(order, k)
		}
		samples[k] = append(samples[k], d)
	}
	for _, e := range evs {
		switch {
		case e.Kind == ledger.Established && e.Probe == "ssh" && e.Latency > 0:
			add(key{"ssh", LatencySSHSetup}, e.Latency)
		case e.IsConnectionEnd() && e.Probe == "ssh" && e.Detail["max_latency"] != "":
			if d, err := time.ParseDuration(e.Detail["max_latency"]); err == nil && d > 0 {
				add(key{"ssh", LatencySSHHeartbeat}, d)
			}
		case e.Kind == ledger.Request && e.Latency > 0:
			add(key{e.Probe, LatencyRequest}, e.Latency)
		case e.Kind == ledger.Hit && e.Latency > 0:
			add(key{e.Probe, LatencyHit}, e.Latency)
		case e.Kind == ledger.Outbound && e.Latency > 0:
			add(key{e.Probe, LatencyCall}, e.Latency)
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].probe != order[j].probe {
			return order[i].probe < order[j].probe
		}
		return order[i].what < order[j].what
	})
	out := make([]LatencySummary, 0, len(order))
	for _, k := range order {
		s := samples[k]
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		out = append(out, LatencySummary{Probe: k.probe, What: k.what, Count: len(s),
			P50: D(rank(s, 50)), P90: D(rank(s, 90)), P99: D(rank(s, 99)), Max: D(s[len(s)-1])})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// rank is the nearest-rank percentile p of sorted s (non-empty).
func rank(s []time.Duration, p int) time.Duration {
	i := (p*len(s)+99)/100 - 1
	if i < 0 {
		i = 0
	}
	return s[i]
}
