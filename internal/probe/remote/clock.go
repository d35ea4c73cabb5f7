package remote

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Offset is a prober's clock offset to the harness: prober time minus
// harness time, estimated from the sample with the shortest round trip
// (the prober's answer is assumed to be read at the midpoint; the true
// offset lies within ±RTT/2 of Offset).
type Offset struct {
	Offset  time.Duration
	RTT     time.Duration
	Samples int
}

// Bound is the estimate's error bound, ±RTT/2.
func (o Offset) Bound() time.Duration { return o.RTT / 2 }

// Detail is how the ledger records the offset.
func (o Offset) Detail() map[string]string {
	return map[string]string{"clockOffset": o.Offset.String(), "clockBound": "±" + o.Bound().String(),
		"clockRTT": o.RTT.String(), "clockSamples": fmt.Sprint(o.Samples)}
}

// ClockFunc asks a prober for its current time once.
type ClockFunc func(ctx context.Context) (time.Time, error)

// MeasureOffset asks clock n times and keeps the sample with the shortest
// round trip. Any failed sample fails the measurement: an offset that cannot
// be measured cannot correct anything.
func MeasureOffset(ctx context.Context, clock ClockFunc, n int) (Offset, error) {
	var best Offset
	for i := range n {
		t0 := time.Now()
		remote, err := clock(ctx)
		t1 := time.Now()
		if err != nil {
			return Offset{}, fmt.Errorf("clock sample %d: %w", i+1, err)
		}
		rtt := t1.Sub(t0)
		if i == 0 || rtt < best.RTT {
			best.RTT = rtt
			best.Offset = remote.Sub(t0.Add(rtt / 2))
		}
		best.Samples = i + 1
	}
	return best, nil
}

// ParseClockAnswer reads ClockAnswer's format.
func ParseClockAnswer(b []byte) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
}
