package verdict

import (
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// Under load the kubelet reports a container exit seconds after the runtime stamped it: the
// gateway rollout measured at load average 50 (v1.35.4) saw haproxy's exit 6.7 s after its
// finishedAt. Linger counts from the last connection to the exit, not to the report.
func TestLingerEndsAtTheRuntimesExitStampNotAtALateReport(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 19, 3, 30, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	finished := at(21 * time.Second) // finishedAt, whole seconds
	lingerOf := func(reportedAt time.Time) time.Duration {
		t.Helper()
		pod := "ns/gateway-1"
		ev := []ledger.Event{
			{Kind: ledger.PodCreated, Pod: pod, Time: at(0), Detail: map[string]string{"ip": "10.0.0.9"}},
			{Kind: ledger.PodReady, Pod: pod, Time: at(time.Second), Detail: map[string]string{"ip": "10.0.0.9"}},
			{Kind: ledger.DisruptionStart, Time: at(4 * time.Second), Detail: map[string]string{"action": "rollout-restart"}},
			{Kind: ledger.Dial, Conn: "ssh-000", Time: at(2 * time.Second)},
			{Kind: ledger.Established, Conn: "ssh-000", Pod: pod, Time: at(2 * time.Second)},
			{Kind: ledger.PodDeleting, Pod: pod, Time: at(5 * time.Second)},
			{Kind: ledger.ClosedByClient, Conn: "ssh-000", Time: at(20 * time.Second)},
			{Kind: ledger.ContainerExited, Pod: pod, Time: reportedAt, APITime: &finished, Detail: map[string]string{"container": "haproxy"}},
			{Kind: ledger.DisruptionDone, Time: reportedAt.Add(time.Second)},
		}
		v := Evaluate(Expect{MaxLinger: DP(5 * time.Second)}, ev)
		for _, m := range v.Pods {
			if m.Pod == pod && m.Linger != nil {
				return m.Linger.Duration
			}
		}
		t.Fatalf("no linger measured: %+v", v.Findings)
		return 0
	}
	if got := lingerOf(at(27*time.Second + 700*time.Millisecond)); got != 2*time.Second {
		t.Errorf("reported 6.7 s late: linger %s, want 2s (finishedAt+1s - last connection)", got)
	}
	if got := lingerOf(at(21*time.Second + 300*time.Millisecond)); got != 1300*time.Millisecond {
		t.Errorf("reported promptly: linger %s, want 1.3s (the report is the earlier bound)", got)
	}
}

func TestExitedByKeepsTheObservedTimeForOtherEnds(t *testing.T) {
	now := time.Date(2026, 12, 3, 19, 0, 0, 0, time.UTC)
	early := now.Add(-10 * time.Second)
	gone := ledger.Event{Kind: ledger.PodGone, Time: now, APITime: &early}
	if got := exitedBy(&gone); !got.Equal(now) {
		t.Fatalf("pod-gone: %s, want its observed time (no runtime stamp to trust)", got)
	}
	noStamp := ledger.Event{Kind: ledger.ContainerExited, Time: now}
	if got := exitedBy(&noStamp); !got.Equal(now) {
		t.Fatalf("an exit without finishedAt: %s, want its observed time", got)
	}
}
