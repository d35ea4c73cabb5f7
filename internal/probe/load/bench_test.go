package load

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

// BenchmarkLoadRate attacks fixtures/httpd on loopback at
// DRAINPROOF_BENCH_RATE requests/s (default 5,000) for
// DRAINPROOF_BENCH_SECONDS (default 3), every hit going into a ledger as in a
// real run, and reports achieved/target: the rate hits were sent at, over
// the rate asked for (goal >= 0.99), plus the share answered 200 and the p99
// latency. One experiment whatever b.N is; use -benchtime=1x.
func BenchmarkLoadRate(b *testing.B) {
	rate := testsupport.EnvInt(b, "DRAINPROOF_BENCH_RATE", 5000)
	seconds := testsupport.EnvInt(b, "DRAINPROOF_BENCH_SECONDS", 3)
	srv := testsupport.StartHTTPD(b, nil)
	p, err := New(DefaultConfig(srv.URL+"/", rate, time.Duration(seconds)*time.Second))
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Preflight(context.Background()); err != nil {
		b.Fatal(err)
	}
	l := ledger.New()
	b.ResetTimer()
	if err := p.Run(context.Background(), l); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()

	events := l.Events() // sorted by time
	if len(events) < 2 {
		b.Fatalf("%d hits", len(events))
	}
	ok := 0
	lat := make([]time.Duration, 0, len(events))
	for _, e := range events {
		if e.Code == 200 && e.Error == "" {
			ok++
		}
		lat = append(lat, e.Latency)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	// vegeta's own definition: hits over the span in which they were sent.
	span := events[len(events)-1].Time.Sub(events[0].Time)
	achieved := float64(len(events)-1) / span.Seconds()
	b.ReportMetric(float64(rate), "target/s")
	b.ReportMetric(achieved, "achieved/s")
	b.ReportMetric(achieved/float64(rate), "achieved/target")
	b.ReportMetric(float64(len(events))/float64(rate*seconds), "hits/expected")
	b.ReportMetric(float64(ok)/float64(len(events)), "success")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}
