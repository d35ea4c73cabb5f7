// Package testsupport is the one package of test helpers in this module: a
// log buffer safe to read while a child process writes it, a free loopback
// port, polling a condition with a deadline (tests synchronise on conditions,
// never on bare sleeps), the module's programs built once per test process
// (Program, RunTests), and the real servers tests run them against on
// loopback: fixtures/sshd, fixtures/httpd and the Envoy stand-in, Debian's
// haproxy and OpenSSH. Helpers start real processes; none is a fake.
//
// A test package whose tests start a built program routes its TestMain
// through RunTests, which removes every binary built when the tests end.
package testsupport

import (
	"bytes"
	"net"
	"sync"
	"testing"
	"time"
)

// SyncBuffer is a bytes.Buffer guarded by a mutex, so a test can read a
// process's output while exec's copier goroutine writes it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is everything written so far.
func (s *SyncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// FreePort returns a loopback address with a port nobody listens on right now.
func FreePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// pollEvery is how often Poll re-evaluates its condition: short enough that
// a test waits barely longer than the condition takes, long enough not to
// spin a core that other test processes share.
const pollEvery = 5 * time.Millisecond

// Poll evaluates cond until it holds (true) or timeout has passed since the
// call (false). cond is evaluated at least once.
func Poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pollEvery)
	}
	return true
}

// Eventually fails t unless cond holds within timeout; what names the
// awaited condition in the failure message.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Poll(timeout, cond) {
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// WaitRefused fails t unless a TCP dial to addr is refused (nobody listens)
// within timeout.
func WaitRefused(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	refused := Poll(timeout, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	if !refused {
		t.Fatalf("%s still accepts connections after %s", addr, timeout)
	}
}
