package run

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// errTrafficEnded is the cause the probes' context is cancelled with when
// probes.endAfterDisruption ends them; the probes close what is open as the
// client (ClosedByClient), as at a lifetime's end.
var errTrafficEnded = errors.New("traffic ended after the disruption (probes.endAfterDisruption)")

// trafficEnd ends a run's probes at a set moment after the disruption.
// Invariant: the ledger's Note saying so precedes every ClosedByClient it
// causes, and no Note is written once disarmed (the probes ended on their
// own first), so a reader of the ledger always knows which of the two ended
// the traffic.
type trafficEnd struct {
	mu       sync.Mutex
	disarmed bool
	timer    *time.Timer
}

// endTrafficAfter arms the end d after from (at once if that has passed):
// it records a Note naming fromWhat and cancels the probes' context with
// errTrafficEnded.
func endTrafficAfter(from time.Time, fromWhat string, d time.Duration, l *ledger.Ledger, cancel context.CancelCauseFunc) *trafficEnd {
	te := &trafficEnd{}
	te.timer = time.AfterFunc(max(0, time.Until(from.Add(d))), func() {
		te.mu.Lock()
		defer te.mu.Unlock()
		if te.disarmed {
			return
		}
		te.disarmed = true
		_ = l.Add(ledger.Event{Kind: ledger.Note, Probe: "run",
			Detail: map[string]string{"reason": "end-after-disruption", "after": d.String(), "from": fromWhat},
			Error:  fmt.Sprintf("ending the probes %s after %s (probes.endAfterDisruption)", d, fromWhat)})
		cancel(errTrafficEnded)
	})
	return te
}

// What probes.endAfterDisruption's tail counts from.
const (
	fromLastExit = "the stopped pods' last container exit"
	fromDone     = "the disruption was done"
)

// tailFrom is when probes.endAfterDisruption's tail starts, called once the
// disruption's done condition held (at done): the moment the watch saw the
// last container of the pods the last DisruptionStart stopped exit (each
// victim's ContainerExited with no container left), when the ledger holds
// it for every one of them; done otherwise (a victim whose last exit was
// not seen, pods stopped in namespaces the watch does not record). The
// probes still never end before done: the tail only shortens what runs
// past it. Why the exit: once every container of the stopped pods has
// exited, every connection they carried has ended, as at done; what lies
// between (the kubelet reporting the exit and the pod's removal, ≈ 1 s)
// proves nothing more.
func tailFrom(events []ledger.Event, ns string, done time.Time) (time.Time, string) {
	start := -1
	for i, e := range events {
		if e.Kind == ledger.DisruptionStart {
			start = i
		}
	}
	if start < 0 || len(events[start].StoppedPods()) == 0 {
		return done, fromDone
	}
	for _, p := range strings.Split(events[start].Detail["evicted"], ",") {
		if p != "" && !strings.HasPrefix(p, ns+"/") {
			return done, fromDone // stopped where the watch does not look
		}
	}
	var last time.Time
	for _, v := range events[start].StoppedPods() {
		exit, ok := lastExit(events[start:], ns+"/"+v)
		if !ok {
			return done, fromDone
		}
		if exit.After(last) {
			last = exit
		}
	}
	if last.After(done) {
		last = done
	}
	return last, fromLastExit
}

// lastExit is when the watch saw pod's last container exit, among events.
func lastExit(events []ledger.Event, pod string) (time.Time, bool) {
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e.Kind == ledger.ContainerExited && e.Probe == "watch" && e.Pod == pod && e.Detail[ledger.DetailContainersLeft] == "0" {
			return e.Time, true
		}
	}
	return time.Time{}, false
}

// disarm stops a pending end (nil-safe). After it returns, the end never
// fires.
func (te *trafficEnd) disarm() {
	if te == nil {
		return
	}
	te.mu.Lock()
	defer te.mu.Unlock()
	te.disarmed = true
	te.timer.Stop()
}
