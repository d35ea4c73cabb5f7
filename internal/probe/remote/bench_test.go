package remote

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
	"github.com/drainproof/drainproof/internal/verdict"
)

// BenchmarkProberPod measures what one in-cluster prober holds: the real
// fixtures/prober binary (what a prober pod runs) holds
// DRAINPROOF_BENCH_PROBER_SESSIONS SSH sessions (default 2000) at a 1 s heartbeat
// against fixtures/sshd on loopback, its stream merged into a ledger by a
// remote.Probe as the harness does. Over a window of DRAINPROOF_BENCH_PROBER_HOLD/2
// (default 30 s hold) once every session is up it reports the prober
// process's CPU (cpu-ms/s), what that makes per heartbeat (µs/heartbeat) and
// the sessions one core would hold at that cost (sessions/core), the server's
// CPU likewise, and over the whole run stalls and drops (both must be 0) and
// wire lines per session (the stream's cost: lines are per connection
// event, never per heartbeat).
//
//	go test -run '^$' -bench ProberPod -benchtime 1x -timeout 20m ./internal/probe/remote/
func BenchmarkProberPod(b *testing.B) {
	n := testsupport.EnvInt(b, "DRAINPROOF_BENCH_PROBER_SESSIONS", 2000)
	hold := testsupport.EnvDuration(b, "DRAINPROOF_BENCH_PROBER_HOLD", 30*time.Second)
	for range b.N {
		srv := testsupport.StartSSHD(b, nil)
		args := []string{"--ssh", srv.Addr, "--ssh-key", srv.Client.KeyFile, "--ssh-known-hosts", srv.KnownHosts,
			"--sessions", strconv.Itoa(n), "--heartbeat", "1s", "--ssh-lifetime", hold.String(), "--duration", (3 * hold).String()}
		proc := startProber(b, args...)
		p := New("dp-prober-0", proc, io.Discard)
		l := ledger.New()
		ctx, cancel := context.WithTimeout(context.Background(), 3*hold+2*time.Minute)
		errc := runProbe(b, ctx, p, l)
		testsupport.Eventually(b, 2*time.Minute, "every session established", p.Established)
		window := hold / 2
		pc0, sc0, t0 := procCPU(b, proc.cmd.Process.Pid), procCPU(b, srv.Pid()), time.Now()
		<-time.After(window) // the measurement window, not a synchronisation
		pc1, sc1, el := procCPU(b, proc.cmd.Process.Pid), procCPU(b, srv.Pid()), time.Since(t0)
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
		cancel()
		v := verdict.Evaluate(verdict.Expect{}, l.Events())
		beats := float64(n) * el.Seconds() // one heartbeat per session per second
		proberUs, srvUs := (pc1-pc0).Seconds()*1e6/beats, (sc1-sc0).Seconds()*1e6/beats
		b.ReportMetric(float64(v.Connections), "sessions")
		b.ReportMetric((pc1-pc0).Seconds()*1e3/el.Seconds(), "prober-cpu-ms/s")
		b.ReportMetric(proberUs, "prober-µs/heartbeat")
		b.ReportMetric(1e6/proberUs, "sessions/core")
		b.ReportMetric(srvUs, "server-µs/heartbeat")
		b.ReportMetric(float64(v.Stalls), "stalls")
		b.ReportMetric(float64(v.Drops), "drops")
		b.ReportMetric(float64(p.m.Lines())/float64(n), "lines/session")
		if v.Drops != 0 || v.Connections != n {
			b.Errorf("%d of %d sessions, %d drops", v.Connections, n, v.Drops)
		}
	}
}

// procCPU is a process's user+system CPU time so far (/proc/PID/stat, in
// clock ticks of 1/100 s, Linux's USER_HZ).
func procCPU(tb testing.TB, pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	// Fields after the command name (which may hold spaces) start at ") ".
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
