package ssh

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

// BenchmarkSessionsHeld holds DRAINPROOF_BENCH_SESSIONS sessions (default
// 1000; the goal is 10000) at 100 ms heartbeats against fixtures/sshd in
// its own process, for DRAINPROOF_BENCH_HOLD (default 5s), and reports:
//
//	bytes/session      Go heap + stacks in use per held session (after GC)
//	rss-bytes/session  resident memory growth per held session
//	ns/heartbeat       this process's CPU time (user+system, getrusage) per echoed heartbeat
//	server-ns/heartbeat  the fixtures/sshd process's CPU time per echoed heartbeat
//	hb-ratio           heartbeats echoed / heartbeats due (open sessions × hold / 100 ms)
//	sessions-open      sessions open at the end of the measurement
//	allocs/heartbeat   heap allocations per echoed heartbeat, the whole process (x/crypto/ssh included)
//	goroutines/session
//	stalls, drops      on loopback, both mean the machine ran out of CPU
//
// One measurement per run, whatever b.N is:
//
//	go test -run '^$' -bench SessionsHeld ./internal/probe/ssh/
//	DRAINPROOF_BENCH_SESSIONS=10000 go test -run '^$' -bench SessionsHeld -timeout 30m ./internal/probe/ssh/
func BenchmarkSessionsHeld(b *testing.B) {
	n := testsupport.EnvInt(b, "DRAINPROOF_BENCH_SESSIONS", 1000)
	hold := testsupport.EnvDuration(b, "DRAINPROOF_BENCH_HOLD", 5*time.Second)
	const beat = 100 * time.Millisecond

	srv := testsupport.StartSSHD(b, nil)
	cfg := testConfig(fixtureTarget(srv), n, func(c *Config) {
		c.Heartbeat = beat
		c.Lifetime = 0         // held until the benchmark cancels
		c.DialConcurrency = 64 // fixtures/sshd has no MaxStartups-like limit
	})
	p, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	heapBefore, rssBefore := testsupport.MemInUse(), rss()
	goroutinesBefore := runtime.NumGoroutine()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := ledger.New()
	done := make(chan error, 1)
	began := time.Now()
	go func() { done <- p.Run(ctx, l) }()
	// Every slot's first dial resolved (established or failed), or the dial
	// phase ran out of time: then whatever is open is measured, and said so.
	dialPhase := time.Duration(n)*20*time.Millisecond + time.Minute
	progress := time.NewTicker(10 * time.Second)
	for p.Stats().Connections.Load()+p.Stats().DialFailures.Load() < int64(n) && time.Since(began) < dialPhase {
		select {
		case <-progress.C:
			fmt.Fprintf(os.Stderr, "bench: %s: %d established, %d open, %d dial failures, %d drops, %d heartbeats\n",
				time.Since(began).Round(time.Second), p.Stats().Connections.Load(), p.Stats().Open.Load(),
				p.Stats().DialFailures.Load(), p.Stats().Drops.Load(), p.Heartbeats())
		case <-time.After(10 * time.Millisecond):
		}
	}
	progress.Stop()
	established := time.Since(began)
	if dialed := p.Stats().Connections.Load() + p.Stats().DialFailures.Load(); dialed < int64(n) {
		b.Logf("WARNING: only %d of %d sessions dialed within %s; measuring those", dialed, n, dialPhase)
	}
	if f := p.Stats().DialFailures.Load(); f > 0 {
		b.Logf("WARNING: %d of %d sessions failed to dial (the machine is saturated?)", f, n)
	}
	open0 := p.Stats().Open.Load()
	if open0 == 0 {
		b.Fatal("no session open")
	}
	// Let every session complete a couple of heartbeats before measuring.
	hb := p.Heartbeats()
	testsupport.Eventually(b, time.Minute, "two heartbeat rounds", func() bool { return p.Heartbeats() >= hb+2*open0 })

	heapHeld, rssHeld := testsupport.MemInUse(), rss()
	goroutines := runtime.NumGoroutine()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0, srv0, hb0, t0 := cpuTime(), procCPU(srv.Pid()), p.Heartbeats(), time.Now()
	b.ResetTimer()
	time.Sleep(hold) // the measurement window: sessions heartbeating on their own
	b.StopTimer()
	cpu1, srv1, hb1, elapsed := cpuTime(), procCPU(srv.Pid()), p.Heartbeats(), time.Since(t0)
	open := p.Stats().Open.Load()
	runtime.ReadMemStats(&ms1)

	cancel()
	<-done
	drops := p.Stats().Drops.Load()
	if drops > 0 {
		// On loopback a drop means a saturated machine: heartbeats unanswered
		// for DropAfter. Reported, so the size where that starts is visible.
		b.Logf("WARNING: %d sessions dropped (heartbeat-timeout under CPU saturation)", drops)
	}
	beats := float64(hb1 - hb0)
	due := float64(open) * float64(elapsed) / float64(beat)
	b.ReportMetric(float64(open), "sessions-open")
	b.ReportMetric(float64(heapHeld-heapBefore)/float64(open0), "bytes/session")
	b.ReportMetric(float64(rssHeld-rssBefore)/float64(open0), "rss-bytes/session")
	b.ReportMetric(float64(cpu1-cpu0)/beats, "ns/heartbeat")
	b.ReportMetric(float64(srv1-srv0)/beats, "server-ns/heartbeat")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/beats, "allocs/heartbeat")
	b.ReportMetric(float64(drops), "drops")
	b.ReportMetric(beats/due, "hb-ratio")
	b.ReportMetric(float64(goroutines-goroutinesBefore)/float64(open0), "goroutines/session")
	b.ReportMetric(float64(p.Stalls()), "stalls")
	b.Logf("%d sessions dialed in %s, %d open while measured; %.0f heartbeats in %s (%.0f/s, %.0f due); prober CPU %.2f cores, server CPU %.2f cores; %d stalls, %d drops; GOMAXPROCS %d",
		n, established.Round(time.Millisecond), open, beats, elapsed.Round(time.Millisecond), beats/elapsed.Seconds(), due/elapsed.Seconds(),
		float64(cpu1-cpu0)/float64(elapsed), float64(srv1-srv0)/float64(elapsed), p.Stalls(), drops, runtime.GOMAXPROCS(0))
}

// rss is this process's resident set size in bytes (0 if unknown).
func rss() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data)) // size resident shared ... (pages)
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// procCPU is another process's user+system CPU time so far (0 if unknown).
func procCPU(pid int) time.Duration {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name; utime and stime are the
	// 14th and 15th fields of the whole line, in clock ticks (100 Hz on Linux).
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// cpuTime is this process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
