package http

import (
	"context"
	"os"
	"slices"
	"strings"
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

// BenchmarkDropDetection: the time from a server's death to the probe's Drop
// event. DRAINPROOF_BENCH_DROP_CONNS connections (default 200, one request
// per 100 ms interval) each carry a request fixtures/httpd holds open
// (/?delay=1m: the first request of each connection, so a cut one is a drop,
// never the keep-alive race); then the server process is killed (SIGKILL:
// the kernel closes every socket where it stands) and each connection's Drop
// time is taken against the moment just before the kill. Reports p50-ms,
// p99-ms and max-ms over the connections, and teardown-ms: kill → the
// process reaped, by when the kernel has closed all its sockets (it closes
// them one by one while the process exits, so a latency shorter than
// teardown-ms can still be mostly the teardown). Ledger times have 1 ms
// resolution (truncated). The causes are logged.
//
//	go test -run '^$' -bench DropDetection -benchtime 1x ./internal/probe/http/
func BenchmarkDropDetection(b *testing.B) {
	n := testsupport.EnvInt(b, "DRAINPROOF_BENCH_DROP_CONNS", 200)
	const interval = 100 * time.Millisecond
	srv := testsupport.StartHTTPD(b, nil)
	cfg := DefaultConfig(srv.URL+"/?delay=1m", 10*time.Minute)
	cfg.Connections, cfg.Interval, cfg.Timeout = n, interval, 5*time.Minute
	p, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	l := ledger.New()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, l) }()
	st := p.Stats()
	var allOpen time.Time
	// A slot writes its first request at its first grid tick after the dial,
	// within one interval of Established: ten intervals after the last
	// connection opened, every request is in the server's hands.
	testsupport.Eventually(b, 2*time.Minute, "every connection open with its request in flight", func() bool {
		if st.Open.Load() < int64(n) {
			allOpen = time.Time{}
			return false
		}
		if allOpen.IsZero() {
			allOpen = time.Now()
		}
		return time.Since(allOpen) >= 10*interval
	})
	if st.Drops.Load() != 0 || st.Requests.Load() != 0 {
		b.Fatalf("before the kill: %d drops, %d requests completed; want 0 and 0", st.Drops.Load(), st.Requests.Load())
	}
	b.ResetTimer()
	killed := time.Now()
	if err := srv.Kill(); err != nil {
		b.Fatal(err)
	}
	<-srv.Done()
	gone := time.Since(killed) // every socket of the server is closed by now
	testsupport.Eventually(b, 2*time.Minute, "every connection dropped", func() bool { return st.Drops.Load() >= int64(n) })
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	// Only the connections open at the kill: a slot that dialed again while
	// the dying process's listener still accepted has its own short life.
	before := map[string]bool{}
	var lat []float64
	causes := map[ledger.Cause]int{}
	for _, e := range l.Events() {
		if e.Kind == ledger.Established && e.Time.Before(killed) {
			before[e.Conn] = true
		}
		if e.Kind == ledger.Drop && before[e.Conn] {
			lat = append(lat, float64(e.Time.Sub(killed))/float64(time.Millisecond))
			causes[e.Cause]++
		}
	}
	if len(lat) != n {
		b.Fatalf("%d of the %d connections open at the kill dropped", len(lat), n)
	}
	slices.Sort(lat)
	q := func(f float64) float64 { return lat[min(len(lat)-1, int(f*float64(len(lat))))] }
	b.ReportMetric(lat[0], "min-ms")
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(lat[len(lat)-1], "max-ms")
	b.ReportMetric(float64(len(lat)), "drops")
	b.ReportMetric(float64(gone)/float64(time.Millisecond), "teardown-ms")
	b.ReportMetric(0, "ns/op")
	load, _ := os.ReadFile("/proc/loadavg")
	b.Logf("%d connections, a request in flight on each, server killed: drop causes %v; load average %s", n, causes, strings.Join(strings.Fields(string(load))[:3], " "))
}
