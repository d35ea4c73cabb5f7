package ssh

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/testsupport"
)

// BenchmarkLoopbackFloor is what the capacity sizes cost on this machine's
// loopback without SSH: the same number of TCP connections, the same
// heartbeat line at the same rate, written in bursts by one writer per CPU
// and echoed by a plain TCP echo server in its own process (this test
// binary, re-executed), one reader goroutine per connection as the probe
// has. Its per-echo CPU on either side is the floor under the SSH probe's
// and fixtures/sshd's (BenchmarkCapacity): the system calls and Go netpoller
// wake-ups a heartbeat costs whatever protocol carries it. Reports
// µs/echo, server-µs/echo and echo-ratio (echoes / echoes due).
//
//	go test -run '^$' -bench LoopbackFloor -benchtime 1x ./internal/probe/ssh/
func BenchmarkLoopbackFloor(b *testing.B) {
	for _, c := range capacitySizes {
		n := testsupport.EnvInt(b, c.env, c.n)
		b.Run(fmt.Sprintf("conns=%d/heartbeat=%s", n, c.beat), func(b *testing.B) {
			hold := testsupport.EnvDuration(b, "DRAINPROOF_BENCH_HOLD", max(10*c.beat, 5*time.Second))
			floorEchoes(b, n, c.beat, hold)
		})
	}
}

// floorServerEnv makes the test binary a plain TCP echo server (TestMain):
// it prints its address, echoes every connection until it closes, and
// exits when its stdin closes.
const floorServerEnv = "DRAINPROOF_FLOOR_ECHO_SERVER"

func runFloorServer() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(ln.Addr())
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var buf [64]byte
				for {
					n, err := c.Read(buf[:])
					if err != nil {
						return
					}
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
		}
	}()
	var one [1]byte
	os.Stdin.Read(one[:]) // the benchmark closes our stdin (or dies): done
	return 0
}

// floorEchoes holds n connections at heartbeat beat against a fresh echo
// server and measures a window of hold.
func floorEchoes(b *testing.B, n int, beat, hold time.Duration) {
	if _, err := raiseOpenFileLimit(); err != nil {
		b.Fatal(err)
	}
	srv := exec.Command(os.Args[0])
	srv.Env = append(os.Environ(), floorServerEnv+"=1")
	stdin, err := srv.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := srv.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { stdin.Close(); srv.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("echo server: %v", err)
	}
	addr := string(bytes.TrimSpace([]byte(line)))

	var echoes atomic.Int64
	conns := make([]net.Conn, n)
	var readers sync.WaitGroup
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
		readers.Wait()
	}()
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatalf("dial %d of %d: %v", i+1, n, err)
		}
		conns[i] = c
		readers.Add(1)
		go func() {
			defer readers.Done()
			var buf [64]byte
			for {
				m, err := c.Read(buf[:])
				echoes.Add(int64(bytes.Count(buf[:m], []byte{'\n'})))
				if err != nil {
					return
				}
			}
		}()
	}

	// One writer per CPU, each beating its share of the connections in one
	// burst per interval, as the probe's scheduler shards do.
	quit := make(chan struct{})
	var writers sync.WaitGroup
	shards := runtime.GOMAXPROCS(0)
	for s := range shards {
		writers.Add(1)
		go func() {
			defer writers.Done()
			t := time.NewTicker(beat)
			defer t.Stop()
			hb := []byte("hb 1234567\n")
			for {
				select {
				case <-quit:
					return
				case <-t.C:
				}
				for i := s; i < n; i += shards {
					conns[i].Write(hb)
				}
			}
		}()
	}
	defer func() { close(quit); writers.Wait() }()
	testsupport.Eventually(b, time.Minute+40*beat, "two heartbeat rounds", func() bool { return echoes.Load() >= int64(2*n) })

	cpu0, srv0, e0, t0 := cpuTime(), procCPU(srv.Process.Pid), echoes.Load(), time.Now()
	b.ResetTimer()
	time.Sleep(hold)
	b.StopTimer()
	cpu1, srv1, e1, elapsed := cpuTime(), procCPU(srv.Process.Pid), echoes.Load(), time.Since(t0)
	got := float64(e1 - e0)
	due := float64(n) * float64(elapsed) / float64(beat)
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) / got }
	b.ReportMetric(us(cpu1-cpu0), "µs/echo")
	b.ReportMetric(us(srv1-srv0), "server-µs/echo")
	b.ReportMetric(got/due, "echo-ratio")
	b.ReportMetric(0, "ns/op")
	b.Logf("%d connections at %s: %.0f echoes in %s (%.0f due); client CPU %.2f cores, server CPU %.2f cores; GOMAXPROCS %d; load average %s",
		n, beat, got, elapsed.Round(time.Millisecond), due, float64(cpu1-cpu0)/float64(elapsed), float64(srv1-srv0)/float64(elapsed),
		runtime.GOMAXPROCS(0), loadAvg())
}
