package ssh

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestNextDueKeepsTheGridAndSkipsMissedBeats(t *testing.T) {
	const iv = 100 * time.Millisecond
	for _, c := range []struct{ due, now, want time.Duration }{
		{0, 50 * time.Millisecond, 100 * time.Millisecond},  // on time
		{0, 100 * time.Millisecond, 200 * time.Millisecond}, // exactly one late: the next point still ahead
		{0, 250 * time.Millisecond, 300 * time.Millisecond}, // two missed: no catch-up burst
		{30 * time.Millisecond, 31 * time.Millisecond, 130 * time.Millisecond},
	} {
		if got := nextDue(c.due, c.now, iv); got != c.want {
			t.Errorf("nextDue(%s, %s) = %s, want %s", c.due, c.now, got, c.want)
		}
	}
}

func TestDueHeapPopsInDueOrder(t *testing.T) {
	var h dueHeap
	for range 1000 {
		h.push(beat{due: time.Duration(rand.IntN(1e6))})
	}
	last := time.Duration(-1)
	for len(h) > 0 {
		e := h.pop()
		if e.due < last {
			t.Fatalf("popped %d after %d", e.due, last)
		}
		last = e.due
	}
}
