package verdict

import (
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// Conns carry each connection's life and its carrying pod; a dropped one
// names the Drop event by Seq, the same Seq as its DropDetails entry.
func TestConnsExportEachLifeAndItsDrop(t *testing.T) {
	b := rollout(false)
	b.add(-3000, ledger.Event{Kind: ledger.Stall, Probe: "ssh", Conn: "ssh-003", Latency: 2 * time.Second})
	v := Evaluate(Expect{}, b.evs)
	if len(v.Conns) != 4 {
		t.Fatalf("%d conns, want 4", len(v.Conns))
	}
	seqs := map[int64]bool{}
	for _, d := range v.DropDetails {
		if d.Seq == 0 {
			t.Errorf("drop %s has no seq", d.Conn)
		}
		seqs[d.Seq] = true
	}
	for _, c := range v.Conns {
		if !c.Dropped() || c.End == nil || !seqs[c.DropSeq] || c.Pod == "" || !c.Start.Equal(ms(-4000)) {
			t.Errorf("conn %+v: want dropped, ended, its Seq among the drops, attributed", c)
		}
	}
	if c := v.Conns[3]; c.ID != "ssh-003" || len(c.Stalls) != 1 || !c.Stalls[0].Equal(ms(-3000)) || c.Pod != "ns/gw-b" {
		t.Errorf("ssh-003: %+v", c)
	}
	open := Evaluate(Expect{}, (&book{}).conn("ssh-000", "", 0, -1, "", "").evs).Conns
	if len(open) != 1 || open[0].End != nil || open[0].EndKind != "" {
		t.Errorf("open connection: %+v", open)
	}
}

// Latency: nearest-rank percentiles per probe and measurement.
func TestLatencyPercentiles(t *testing.T) {
	b := &book{}
	for i := 1; i <= 100; i++ {
		b.add(i, ledger.Event{Kind: ledger.Request, Probe: "http", Conn: "http-000", Code: 200, Latency: time.Duration(i) * time.Millisecond})
	}
	b.add(200, ledger.Event{Kind: ledger.Established, Probe: "ssh", Conn: "ssh-000", Latency: 30 * time.Millisecond})
	b.add(300, ledger.Event{Kind: ledger.ClosedByClient, Probe: "ssh", Conn: "ssh-000", Detail: map[string]string{"max_latency": "12ms"}})
	got := Evaluate(Expect{}, b.evs).Latency
	want := []LatencySummary{
		{Probe: "http", What: LatencyRequest, Count: 100, P50: D(50 * time.Millisecond), P90: D(90 * time.Millisecond), P99: D(99 * time.Millisecond), Max: D(100 * time.Millisecond)},
		{Probe: "ssh", What: LatencySSHHeartbeat, Count: 1, P50: D(12 * time.Millisecond), P90: D(12 * time.Millisecond), P99: D(12 * time.Millisecond), Max: D(12 * time.Millisecond)},
		{Probe: "ssh", What: LatencySSHSetup, Count: 1, P50: D(30 * time.Millisecond), P90: D(30 * time.Millisecond), P99: D(30 * time.Millisecond), Max: D(30 * time.Millisecond)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("[%d] got %+v want %+v", i, got[i], want[i])
		}
	}
}
