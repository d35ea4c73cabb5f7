// Package testsupport holds the small pieces every process-running test
// helper and test in this module needs: a log buffer safe to read while a
// child process writes it, a free loopback port, and polling a condition
// with a deadline (tests synchronise on conditions, never on bare sleeps).
package testsupport

import (
	"bytes"
	"net"
	"sync"
	"testing"
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
