package ssh

import (
	"runtime"
	"sync"
	"time"
)

// beats writes every session's heartbeats from a few shared goroutines
// (shards, one per CPU) instead of a ticker and a wake-up per session: a
// heartbeat then costs its write, not a timer, a channel send and a select.
// Each session belongs to one shard for its whole life, so its beat never
// runs twice at once.
//
// Timing is a ticker's, with the phase rounded: a session's first beat is
// due one interval after its establishment, rounded up to a multiple of
// min(interval, 100 ms), then every interval; a shard that runs late beats
// each late session once and puts its next beat on the session's next grid
// point still ahead (no catch-up beats). The rounding makes heartbeats go
// out in bursts of the sessions sharing a phase: the server, and this
// process's readers, then wake once per burst rather than once per
// heartbeat, which is most of what a heartbeat costs on either side besides
// its system calls (BenchmarkHeartbeatCPU).
//
// Invariant that makes sharing safe: a beat never blocks. At most one
// heartbeat (< 32 bytes) is in flight per session, far under the socket's
// send buffer and the SSH channel window, and a session whose heartbeat is
// outstanding is only checked, not written to.
type beats struct {
	interval time.Duration
	phase    time.Duration // first beats fall on multiples of it: min(interval, maxPhase)
	epoch    time.Time
	shards   []*shard
	next     int // round-robin shard for the next session
	mu       sync.Mutex
	wg       sync.WaitGroup
	quit     chan struct{}
}

// shard is one scheduling goroutine and the sessions it beats, in a min-heap
// by due time.
type shard struct {
	b    *beats
	mu   sync.Mutex
	due  dueHeap
	wake chan struct{} // 1-buffered: a session was added
}

// beat is one session's place in a shard.
type beat struct {
	s   *session
	due time.Duration // since beats.epoch (monotonic)
}

// maxPhase bounds the grid sessions' first beats are rounded up to.
const maxPhase = 100 * time.Millisecond

func newBeats(interval time.Duration) *beats {
	b := &beats{interval: interval, phase: min(interval, maxPhase), epoch: time.Now(), quit: make(chan struct{})}
	n := runtime.GOMAXPROCS(0)
	for range n {
		sh := &shard{b: b, wake: make(chan struct{}, 1)}
		b.shards = append(b.shards, sh)
		b.wg.Add(1)
		go func() { defer b.wg.Done(); sh.run() }()
	}
	return b
}

// add schedules s's first beat one interval from now. s stops being beaten
// once s.stopped is set.
func (b *beats) add(s *session) {
	b.mu.Lock()
	sh := b.shards[b.next]
	b.next = (b.next + 1) % len(b.shards)
	b.mu.Unlock()
	sh.mu.Lock()
	due := time.Since(b.epoch) + b.interval
	sh.due.push(beat{s: s, due: (due/b.phase + 1) * b.phase})
	sh.mu.Unlock()
	select {
	case sh.wake <- struct{}{}:
	default:
	}
}

// stop ends every shard; no beat runs after it returns.
func (b *beats) stop() {
	close(b.quit)
	b.wg.Wait()
}

// run beats the shard's sessions as they fall due.
func (sh *shard) run() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var batch []beat
	var line [32]byte
	for {
		now := time.Since(sh.b.epoch)
		sh.mu.Lock()
		for len(sh.due) > 0 && sh.due[0].due <= now {
			batch = append(batch, sh.due.pop())
		}
		wait := time.Duration(-1)
		if len(sh.due) > 0 {
			wait = sh.due[0].due - now
		}
		sh.mu.Unlock()

		if len(batch) > 0 {
			for i := range batch {
				if batch[i].s.stopped.Load() || !batch[i].s.beat(&line) {
					batch[i].s = nil // ended: dropped from the schedule
				}
			}
			now = time.Since(sh.b.epoch)
			sh.mu.Lock()
			for _, e := range batch {
				if e.s != nil {
					sh.due.push(beat{s: e.s, due: nextDue(e.due, now, sh.b.interval)})
				}
			}
			sh.mu.Unlock()
			clear(batch)
			batch = batch[:0]
			continue // more may have fallen due while writing
		}

		var timeout <-chan time.Time
		if wait >= 0 {
			timer.Reset(wait)
			timeout = timer.C
		}
		select {
		case <-sh.b.quit:
			return
		case <-sh.wake:
		case <-timeout:
		}
		timer.Stop() // Go ≥ 1.23: a stopped timer delivers no stale tick after Reset
	}
}

// nextDue is the first point of the grid due + k·interval (k ≥ 1) after now.
func nextDue(due, now, interval time.Duration) time.Duration {
	next := due + interval
	if next > now {
		return next
	}
	return next + ((now-next)/interval+1)*interval
}

// dueHeap is a min-heap of beats by due time, hand-written so that a
// beat is never boxed into an interface (no allocation per heartbeat).
type dueHeap []beat

func (h *dueHeap) push(e beat) {
	*h = append(*h, e)
	q := *h
	for i := len(q) - 1; i > 0; {
		parent := (i - 1) / 2
		if q[parent].due <= q[i].due {
			break
		}
		q[parent], q[i] = q[i], q[parent]
		i = parent
	}
}

func (h *dueHeap) pop() beat {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q[last] = beat{}
	q = q[:last]
	for i := 0; ; {
		small, l, r := i, 2*i+1, 2*i+2
		if l < len(q) && q[l].due < q[small].due {
			small = l
		}
		if r < len(q) && q[r].due < q[small].due {
			small = r
		}
		if small == i {
			break
		}
		q[i], q[small] = q[small], q[i]
		i = small
	}
	*h = q
	return top
}
