package http

import (
	"context"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

// BenchmarkKeepAliveConnectionsHeld: one prober holds N keep-alive connections
// (DRAINPROOF_BENCH_CONNS, default 1000; the goal is 10,000) to fixtures/httpd
// on loopback, one request per connection per second, and reports the memory
// each costs the prober (heap + stacks, ledger events included: see
// events/conn) and the share of scheduled requests that were served. It runs
// one experiment whatever b.N is; use -benchtime=1x.
func BenchmarkKeepAliveConnectionsHeld(b *testing.B) {
	n := testsupport.EnvInt(b, "DRAINPROOF_BENCH_CONNS", 1000)
	interval := time.Second
	srv := testsupport.StartHTTPD(b, nil)
	cfg := DefaultConfig(srv.URL+"/", 10*time.Minute)
	cfg.Connections, cfg.Interval, cfg.Timeout = n, interval, 30*time.Second
	p, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Preflight(context.Background()); err != nil {
		b.Fatal(err)
	}
	l := ledger.New()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	before := testsupport.MemInUse()
	b.ResetTimer()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, l) }()

	st := p.Stats()
	allOpen := func() bool { return st.Open.Load() >= int64(n) }
	if !testsupport.Poll(2*time.Minute, func() bool { return allOpen() || st.Drops.Load() > 0 }) || !allOpen() {
		b.Fatalf("%d of %d connections open, %d drops, %d dial failures", st.Open.Load(), n, st.Drops.Load(), st.DialFailures.Load())
	}
	// Hold them all for a few intervals, counting the requests served.
	held := time.Now()
	time.Sleep(3 * interval)
	window := time.Since(held)
	perConn := float64(testsupport.MemInUse()-before) / float64(n)
	events := l.Len()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()

	if st.Drops.Load() != 0 || st.Errors.Load() != 0 {
		b.Fatalf("%d drops, %d failed requests while holding %d connections", st.Drops.Load(), st.Errors.Load(), n)
	}
	// Requests sent inside the window (by their start time) and answered 200.
	served := 0
	for _, e := range l.Events() {
		if e.Kind == ledger.Request && e.Code == 200 && !e.Time.Before(held) && e.Time.Before(held.Add(window)) {
			served++
		}
	}
	expected := float64(n) * window.Seconds() / interval.Seconds()
	b.ReportMetric(float64(n), "conns")
	b.ReportMetric(perConn, "bytes/conn")
	b.ReportMetric(float64(events)/float64(n), "events/conn")
	b.ReportMetric(float64(served)/expected, "served/scheduled")
	b.ReportMetric(0, "ns/op")
}
