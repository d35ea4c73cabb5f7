package ssh

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

// Sessions held against fixtures/sshd in its own process on loopback: the
// prober's cost per heartbeat and the share of heartbeats it keeps up with.
// Sizes and windows come from the environment (DRAINPROOF_BENCH_*); every
// benchmark runs one measurement per sub-benchmark whatever b.N is.
// DRAINPROOF_BENCH_CPUPROFILE=FILE writes a CPU profile of the measurement
// window alone (dial phase excluded; the last window measured wins).

// BenchmarkSessionsHeld holds DRAINPROOF_BENCH_SESSIONS sessions (default
// 1000) at 100 ms heartbeats for DRAINPROOF_BENCH_HOLD (default 5s) and
// reports, besides held's metrics (see report):
//
//	bytes/session      Go heap + stacks in use per held session (after GC)
//	rss-bytes/session  resident memory growth per held session
//	goroutines/session
//
//	go test -run '^$' -bench SessionsHeld ./internal/probe/ssh/
func BenchmarkSessionsHeld(b *testing.B) {
	n := testsupport.EnvInt(b, "DRAINPROOF_BENCH_SESSIONS", 1000)
	hold := testsupport.EnvDuration(b, "DRAINPROOF_BENCH_HOLD", 5*time.Second)
	h := holdSessions(b, n, 100*time.Millisecond, hold, nil)
	h.report(b)
	b.ReportMetric(h.heapPerSession, "bytes/session")
	b.ReportMetric(h.rssPerSession, "rss-bytes/session")
	b.ReportMetric(h.goroutinesPerSession, "goroutines/session")
}

// BenchmarkHeartbeatCPU is the prober's CPU per heartbeat, before and after
// the shared heartbeat scheduler, in one run: path=ticker is the driver of
// before (one ticker and one wake-up per session per heartbeat, kept in
// legacy_test.go), path=scheduler the probe's own. Rounds alternate the two
// (DRAINPROOF_BENCH_ROUNDS, default 2) with DRAINPROOF_BENCH_SESSIONS
// (default 1000) at 100 ms for DRAINPROOF_BENCH_HOLD (default 5s) each;
// the summary sub-benchmark reports the median of the rounds' pairwise
// scheduler/ticker ratios of prober (and server) CPU per heartbeat.
//
//	go test -run '^$' -bench HeartbeatCPU -benchtime 1x ./internal/probe/ssh/
func BenchmarkHeartbeatCPU(b *testing.B) {
	n := testsupport.EnvInt(b, "DRAINPROOF_BENCH_SESSIONS", 1000)
	hold := testsupport.EnvDuration(b, "DRAINPROOF_BENCH_HOLD", 5*time.Second)
	rounds := testsupport.EnvInt(b, "DRAINPROOF_BENCH_ROUNDS", 2)
	paths := []struct {
		name  string
		drive func(*Probe) driver
	}{
		{"ticker", func(p *Probe) driver { return p.liveTicker }},
		{"scheduler", func(*Probe) driver { return nil }},
	}
	var cpu, srv [2][]float64
	for r := 1; r <= rounds; r++ {
		for i, path := range paths {
			b.Run(fmt.Sprintf("round=%d/path=%s", r, path.name), func(b *testing.B) {
				h := holdSessions(b, n, 100*time.Millisecond, hold, path.drive)
				h.report(b)
				cpu[i] = append(cpu[i], h.cpuPerBeat())
				srv[i] = append(srv[i], h.serverPerBeat())
			})
		}
	}
	if len(cpu[0]) != rounds || len(cpu[1]) != rounds {
		return
	}
	// The pairs' ratios, as a sub-benchmark of its own so that they print.
	b.Run("summary", func(b *testing.B) {
		ratios, srvRatios := make([]float64, rounds), make([]float64, rounds)
		for r := range ratios {
			ratios[r] = cpu[1][r] / cpu[0][r]
			srvRatios[r] = srv[1][r] / srv[0][r]
		}
		b.ReportMetric(median(ratios), "scheduler/ticker-cpu")
		b.ReportMetric(median(srvRatios), "server-scheduler/ticker-cpu")
		b.ReportMetric(0, "ns/op")
		b.Logf("prober µs/heartbeat ticker %s, scheduler %s; scheduler/ticker per round %s, median %.2f; server µs/heartbeat ticker %s, scheduler %s, median ratio %.2f; load average %s",
			floats(cpu[0]), floats(cpu[1]), floats(ratios), median(ratios), floats(srv[0]), floats(srv[1]), median(srvRatios), loadAvg())
	})
}

// BenchmarkCapacity holds the sizes with the server on the same
// cores: 10,000 sessions at a 1 s heartbeat and 5,000 at 100 ms
// (DRAINPROOF_BENCH_SESSIONS_1S, DRAINPROOF_BENCH_SESSIONS_100MS), each for
// DRAINPROOF_BENCH_HOLD (default 10 heartbeats, at least 5 s). The goal is
// hb-ratio ≥ 0.99.
//
//	go test -run '^$' -bench Capacity -benchtime 1x -timeout 30m ./internal/probe/ssh/
func BenchmarkCapacity(b *testing.B) {
	for _, c := range capacitySizes {
		n := testsupport.EnvInt(b, c.env, c.n)
		b.Run(fmt.Sprintf("sessions=%d/heartbeat=%s", n, c.beat), func(b *testing.B) {
			hold := testsupport.EnvDuration(b, "DRAINPROOF_BENCH_HOLD", max(10*c.beat, 5*time.Second))
			holdSessions(b, n, c.beat, hold, nil).report(b)
		})
	}
}

// capacitySizes are the sizes, each overridable from the environment
// (BenchmarkCapacity, and BenchmarkLoopbackFloor for the same sizes without SSH).
var capacitySizes = []struct {
	env  string
	n    int
	beat time.Duration
}{
	{"DRAINPROOF_BENCH_SESSIONS_1S", 10000, time.Second},
	{"DRAINPROOF_BENCH_SESSIONS_100MS", 5000, 100 * time.Millisecond},
}

// BenchmarkDropDetection: the time from a server's death to the probe's Drop
// event. DRAINPROOF_BENCH_DROP_SESSIONS sessions (default 200) heartbeat
// against fixtures/sshd; once every one has echoed, the server process is
// killed (SIGKILL: the kernel closes every socket where it stands) and each
// session's Drop time is taken against the moment just before the kill.
// Reports p50-ms, p99-ms and max-ms over the sessions, drops (all of them
// must drop) and teardown-ms: kill → the process reaped, by when the kernel
// has closed all its sockets (one by one while the process exits, so part of
// every latency is the teardown). Ledger times have 1 ms resolution
// (truncated). The causes are logged.
//
//	go test -run '^$' -bench DropDetection -benchtime 1x ./internal/probe/ssh/
func BenchmarkDropDetection(b *testing.B) {
	n := testsupport.EnvInt(b, "DRAINPROOF_BENCH_DROP_SESSIONS", 200)
	for _, beat := range []time.Duration{100 * time.Millisecond, time.Second} {
		b.Run("heartbeat="+beat.String(), func(b *testing.B) {
			srv := testsupport.StartSSHD(b, nil)
			p, err := New(testConfig(fixtureTarget(srv), n, func(c *Config) {
				c.Heartbeat = beat
				c.Lifetime = 0
				c.DialConcurrency = 64
			}))
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			l := ledger.New()
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx, l) }()
			testsupport.Eventually(b, 2*time.Minute, "every session established and echoing", func() bool {
				return p.Stats().Open.Load() == int64(n) && p.Heartbeats() >= 2*int64(n)
			})
			b.ResetTimer()
			killed := time.Now()
			if err := srv.Kill(); err != nil {
				b.Fatal(err)
			}
			<-srv.Done()
			gone := time.Since(killed) // every socket of the server is closed by now
			select {
			case <-done:
			case <-time.After(2 * time.Minute):
				b.Fatalf("sessions still open 2 min after the server was killed: %d", p.Stats().Open.Load())
			}
			b.StopTimer()
			var lat []float64
			causes := map[ledger.Cause]int{}
			for _, e := range l.Events() {
				if e.Kind == ledger.Drop {
					lat = append(lat, float64(e.Time.Sub(killed))/float64(time.Millisecond))
					causes[e.Cause]++
				}
			}
			if len(lat) != n {
				b.Fatalf("%d drops of %d sessions", len(lat), n)
			}
			slices.Sort(lat)
			b.ReportMetric(lat[0], "min-ms")
			b.ReportMetric(quantile(lat, 0.50), "p50-ms")
			b.ReportMetric(quantile(lat, 0.99), "p99-ms")
			b.ReportMetric(lat[len(lat)-1], "max-ms")
			b.ReportMetric(float64(len(lat)), "drops")
			b.ReportMetric(float64(gone)/float64(time.Millisecond), "teardown-ms")
			b.ReportMetric(0, "ns/op")
			b.Logf("%d sessions at %s heartbeats, server killed: drop causes %v; load average %s", n, beat, causes, loadAvg())
		})
	}
}

// driver runs one session to its end (Probe.drive); nil is the probe's own.
type driver = func(ctx context.Context, l *ledger.Ledger, s *session, end time.Time) bool

// held is one measurement window of sessions heartbeating on their own.
type held struct {
	n, open, open0       int64
	established, elapsed time.Duration
	beat                 time.Duration
	beats                float64 // echoes received in the window
	cpu, serverCPU       time.Duration
	allocs               uint64
	stalls, drops        int64
	heapPerSession       float64
	rssPerSession        float64
	goroutinesPerSession float64
	load                 string
}

func (h held) cpuPerBeat() float64 { return float64(h.cpu) / float64(time.Microsecond) / h.beats }
func (h held) serverPerBeat() float64 {
	return float64(h.serverCPU) / float64(time.Microsecond) / h.beats
}

// hbRatio is heartbeats echoed / heartbeats due (open sessions × window / interval).
func (h held) hbRatio() float64 {
	return h.beats / (float64(h.open) * float64(h.elapsed) / float64(h.beat))
}

// report writes the window's metrics:
//
//	µs/heartbeat         this process's CPU time (user+system, getrusage) per echoed heartbeat
//	server-µs/heartbeat  the fixtures/sshd process's CPU time (/proc) per echoed heartbeat
//	hb-ratio             heartbeats echoed / heartbeats due
//	allocs/heartbeat     heap allocations per echoed heartbeat, the whole process (x/crypto/ssh included)
//	sessions-open        sessions open at the end of the window
//	stalls, drops        on loopback, both mean the machine ran out of CPU
//	load1                the machine's 1-minute load average at the end (it is shared)
func (h held) report(b *testing.B) {
	b.ReportMetric(float64(h.open), "sessions-open")
	b.ReportMetric(h.cpuPerBeat(), "µs/heartbeat")
	b.ReportMetric(h.serverPerBeat(), "server-µs/heartbeat")
	b.ReportMetric(float64(h.allocs)/h.beats, "allocs/heartbeat")
	b.ReportMetric(h.hbRatio(), "hb-ratio")
	b.ReportMetric(float64(h.stalls), "stalls")
	b.ReportMetric(float64(h.drops), "drops")
	load1, _ := strconv.ParseFloat(strings.Fields(h.load + " 0")[0], 64)
	b.ReportMetric(load1, "load1")
	b.ReportMetric(0, "ns/op")
	b.Logf("%d sessions at %s dialed in %s, %d open while measured; %.0f heartbeats in %s (%.0f/s, %.0f due); prober CPU %.2f cores, server CPU %.2f cores; %d stalls, %d drops; GOMAXPROCS %d; load average %s",
		h.n, h.beat, h.established.Round(time.Millisecond), h.open, h.beats, h.elapsed.Round(time.Millisecond),
		h.beats/h.elapsed.Seconds(), float64(h.open)/h.beat.Seconds(),
		float64(h.cpu)/float64(h.elapsed), float64(h.serverCPU)/float64(h.elapsed), h.stalls, h.drops, runtime.GOMAXPROCS(0), h.load)
}

// holdSessions opens n sessions at heartbeat beat against a fresh
// fixtures/sshd, lets every one echo twice, then measures a window of hold.
// drive picks the session driver (nil: the probe's own).
func holdSessions(b *testing.B, n int, beat, hold time.Duration, drive func(*Probe) driver) held {
	// The server inherits the raised open-file limit: one socket per session on each side.
	if _, err := raiseOpenFileLimit(); err != nil {
		b.Fatal(err)
	}
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
	if drive != nil {
		p.drive = drive(p)
	}
	h := held{n: int64(n), beat: beat}
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
	h.established = time.Since(began)
	if dialed := p.Stats().Connections.Load() + p.Stats().DialFailures.Load(); dialed < int64(n) {
		b.Logf("WARNING: only %d of %d sessions dialed within %s; measuring those", dialed, n, dialPhase)
	}
	if f := p.Stats().DialFailures.Load(); f > 0 {
		b.Logf("WARNING: %d of %d sessions failed to dial (the machine is saturated?)", f, n)
	}
	h.open0 = p.Stats().Open.Load()
	if h.open0 == 0 {
		b.Fatal("no session open")
	}
	// Let every session complete a couple of heartbeats before measuring.
	hb := p.Heartbeats()
	testsupport.Eventually(b, 2*time.Minute+40*beat, "two heartbeat rounds", func() bool { return p.Heartbeats() >= hb+2*h.open0 })

	heapHeld, rssHeld := testsupport.MemInUse(), rss()
	goroutines := runtime.NumGoroutine()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	stopProfile := profileWindow(b)
	cpu0, srv0, hb0, t0 := cpuTime(), procCPU(srv.Pid()), p.Heartbeats(), time.Now()
	b.ResetTimer()
	time.Sleep(hold) // the measurement window: sessions heartbeating on their own
	b.StopTimer()
	cpu1, srv1, hb1 := cpuTime(), procCPU(srv.Pid()), p.Heartbeats()
	h.elapsed = time.Since(t0)
	stopProfile()
	h.open = p.Stats().Open.Load()
	runtime.ReadMemStats(&ms1)
	h.load = loadAvg()

	cancel()
	<-done
	h.drops = p.Stats().Drops.Load()
	if h.drops > 0 {
		// On loopback a drop means a saturated machine: heartbeats unanswered
		// for DropAfter. Reported, so the size where that starts is visible.
		b.Logf("WARNING: %d sessions dropped (heartbeat-timeout under CPU saturation)", h.drops)
	}
	h.beats = float64(hb1 - hb0)
	h.cpu, h.serverCPU = cpu1-cpu0, srv1-srv0
	h.allocs = ms1.Mallocs - ms0.Mallocs
	h.stalls = p.Stalls()
	h.heapPerSession = float64(heapHeld-heapBefore) / float64(h.open0)
	h.rssPerSession = float64(rssHeld-rssBefore) / float64(h.open0)
	h.goroutinesPerSession = float64(goroutines-goroutinesBefore) / float64(h.open0)
	return h
}

// profileWindow writes a CPU profile of the measurement window alone to
// DRAINPROOF_BENCH_CPUPROFILE when set; call the result to stop.
func profileWindow(b *testing.B) func() {
	path := os.Getenv("DRAINPROOF_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// loadAvg is /proc/loadavg's 1, 5 and 15 minute figures ("?" if unknown).
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

func quantile(sorted []float64, q float64) float64 {
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// floats prints v with one decimal (two below 10: ratios).
func floats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		prec := 1
		if x < 10 {
			prec = 2
		}
		s[i] = strconv.FormatFloat(x, 'f', prec, 64)
	}
	return strings.Join(s, " ")
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
