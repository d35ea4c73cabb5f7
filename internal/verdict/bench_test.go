package verdict

import (
	"fmt"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// BenchmarkEvaluate judges a 10,000-session rollout across 20 gateway pods
// (half the sessions dropped, 100 stalls each second) plus 50,000 load hits.
func BenchmarkEvaluate(b *testing.B) {
	bk := &book{}
	for p := 0; p < 20; p++ {
		name := fmt.Sprintf("ns/gw-%02d", p)
		bk.pod(-9000, name, fmt.Sprintf("10.0.%d.1", p))
		bk.podEvent(1000+p*100, ledger.PodDeleting, name).exit(1100+p*100, name, "haproxy")
	}
	bk.disruption(0)
	for i := 0; i < 10000; i++ {
		kind, cause := ledger.ClosedByClient, ""
		if i%2 == 0 {
			kind, cause = ledger.Drop, "eof"
		}
		bk.conn(fmt.Sprintf("ssh-%05d", i), fmt.Sprintf("10.0.%d.1:%d", i%20, i), -8000+i%1000, 1200+(i%20)*100, kind, cause)
		if i%100 == 0 {
			bk.add(500, ledger.Event{Kind: ledger.Stall, Conn: fmt.Sprintf("ssh-%05d", i)})
		}
	}
	for i := 0; i < 50000; i++ {
		bk.add(i/10, ledger.Event{Kind: ledger.Hit, Code: 200, Latency: time.Millisecond})
	}
	exp := Expect{MaxStalls: intp(0), MinSuccessRatio: floatp(0.99), Window: DP(time.Second), MaxLinger: DP(time.Second),
		MaxDrainTime: DP(time.Second), ExpectFailure: &NegativeControl{Attribution: AttributionRequired}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v := Evaluate(exp, bk.evs)
		if v.Drops != 5000 {
			b.Fatalf("drops %d", v.Drops)
		}
	}
	b.ReportMetric(float64(len(bk.evs)), "events/op")
}
