package run

import (
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// probes.endAfterDisruption's tail counts from the stopped pods' last
// container exit only when the ledger shows it for every stopped pod;
// otherwise, and never later than, from the done condition.
func TestTailCountsFromTheLastExitTheWatchSaw(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	start := func(pods, evicted string) ledger.Event {
		return ledger.Event{Time: at(1), Kind: ledger.DisruptionStart, Probe: "disrupt", Detail: map[string]string{"action": "delete", "pods": pods, "evicted": evicted}}
	}
	exit := func(s float64, pod, container, left string) ledger.Event {
		return ledger.Event{Time: at(s), Kind: ledger.ContainerExited, Probe: "watch", Pod: "ns/" + pod,
			Detail: map[string]string{"container": container, ledger.DetailContainersLeft: left}}
	}
	done := at(9)
	for _, tc := range []struct {
		name   string
		events []ledger.Event
		want   time.Time
		what   string
	}{
		{"one pod, its last container", []ledger.Event{start("web-1", ""), exit(5, "web-1", "proxy", "1"), exit(6, "web-1", "app", "0")}, at(6), fromLastExit},
		{"two pods, the later one", []ledger.Event{start("web-1,web-2", ""), exit(7, "web-2", "app", "0"), exit(6, "web-1", "app", "0")}, at(7), fromLastExit},
		{"a pod whose last exit was not seen", []ledger.Event{start("web-1,web-2", ""), exit(6, "web-1", "app", "0"), exit(7, "web-2", "app", "1")}, done, fromDone},
		{"an exit before the disruption (a crash) is not its end", []ledger.Event{exit(0.5, "web-1", "app", "0"), start("web-1", "")}, done, fromDone},
		{"pods stopped outside the watched namespace", []ledger.Event{start("web-1", "ns/web-1,kube-system/coredns-1"), exit(6, "web-1", "app", "0")}, done, fromDone},
		{"evicted pods all watched", []ledger.Event{start("web-1", "ns/web-1"), exit(6, "web-1", "app", "0")}, at(6), fromLastExit},
		{"no victims named", []ledger.Event{start("", ""), exit(6, "web-1", "app", "0")}, done, fromDone},
		{"no disruption", []ledger.Event{exit(6, "web-1", "app", "0")}, done, fromDone},
		{"never after done", []ledger.Event{start("web-1", ""), exit(9.5, "web-1", "app", "0")}, done, fromLastExit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, what := tailFrom(tc.events, "ns", done)
			if !got.Equal(tc.want) || what != tc.what {
				t.Fatalf("tailFrom = %s (%s), want %s (%s)", got.Sub(t0), what, tc.want.Sub(t0), tc.what)
			}
		})
	}
}
