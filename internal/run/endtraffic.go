package run

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// errTrafficEnded is the cause the probes' context is cancelled with when
// probes.endAfterDisruption ends them; the probes close what is open as the
// client (ClosedByClient), as at a lifetime's end.
var errTrafficEnded = errors.New("traffic ended after the disruption (probes.endAfterDisruption)")

// trafficEnd ends a run's probes a fixed time after the disruption's done
// condition held. Invariant: the ledger's Note saying so precedes every
// ClosedByClient it causes, and no Note is written once disarmed (the
// probes ended on their own first), so a reader of the ledger always knows
// which of the two ended the traffic.
type trafficEnd struct {
	mu       sync.Mutex
	disarmed bool
	timer    *time.Timer
}

// endTrafficAfter arms the end: after d, it records a Note and cancels the
// probes' context with errTrafficEnded.
func endTrafficAfter(d time.Duration, l *ledger.Ledger, cancel context.CancelCauseFunc) *trafficEnd {
	te := &trafficEnd{}
	te.timer = time.AfterFunc(d, func() {
		te.mu.Lock()
		defer te.mu.Unlock()
		if te.disarmed {
			return
		}
		te.disarmed = true
		_ = l.Add(ledger.Event{Kind: ledger.Note, Probe: "run",
			Detail: map[string]string{"reason": "end-after-disruption", "after": d.String()},
			Error:  fmt.Sprintf("ending the probes %s after the disruption was done (probes.endAfterDisruption)", d)})
		cancel(errTrafficEnded)
	})
	return te
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
