package testsupport

import (
	"net"
	"strings"
	"testing"
	"time"
)

func TestPollReturnsOnceTheConditionHolds(t *testing.T) {
	calls := 0
	if !Poll(time.Minute, func() bool { calls++; return calls == 3 }) {
		t.Fatal("Poll gave up on a condition that held on the third evaluation")
	}
	if calls != 3 {
		t.Fatalf("cond evaluated %d times, want 3 (no more once it holds)", calls)
	}
}

func TestPollGivesUpAfterTheTimeout(t *testing.T) {
	calls := 0
	if Poll(20*time.Millisecond, func() bool { calls++; return false }) {
		t.Fatal("Poll reported a condition that never held")
	}
	if calls < 1 {
		t.Fatal("cond never evaluated")
	}
}

func TestSyncBufferKeepsConcurrentWrites(t *testing.T) {
	var b SyncBuffer
	done := make(chan struct{})
	for i := 0; i < 4; i++ {
		go func() {
			for j := 0; j < 100; j++ {
				b.Write([]byte("x"))
				_ = b.String()
			}
			done <- struct{}{}
		}()
	}
	for i := 0; i < 4; i++ {
		<-done
	}
	if got := b.String(); got != strings.Repeat("x", 400) {
		t.Fatalf("got %d bytes, want 400", len(got))
	}
}

func TestFreePortIsNotListening(t *testing.T) {
	addr := FreePort(t)
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatalf("%s accepted a connection", addr)
	}
	WaitRefused(t, addr, time.Second)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the free port %s cannot be listened on: %v", addr, err)
	}
	l.Close()
}

func TestEnvIntAndDuration(t *testing.T) {
	t.Setenv("DRAINPROOF_TEST_N", "")
	if got := EnvInt(t, "DRAINPROOF_TEST_N", 7); got != 7 {
		t.Fatalf("unset: got %d, want the default 7", got)
	}
	t.Setenv("DRAINPROOF_TEST_N", "12")
	if got := EnvInt(t, "DRAINPROOF_TEST_N", 7); got != 12 {
		t.Fatalf("got %d, want 12", got)
	}
	t.Setenv("DRAINPROOF_TEST_D", "250ms")
	if got := EnvDuration(t, "DRAINPROOF_TEST_D", time.Second); got != 250*time.Millisecond {
		t.Fatalf("got %s, want 250ms", got)
	}
	t.Setenv("DRAINPROOF_TEST_D", "")
	if got := EnvDuration(t, "DRAINPROOF_TEST_D", time.Second); got != time.Second {
		t.Fatalf("unset: got %s, want the default 1s", got)
	}
}
