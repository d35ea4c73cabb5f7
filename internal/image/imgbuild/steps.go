package imgbuild

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Timing is how long one build step took and whether its output came from the cache.
type Timing struct {
	Step     string
	Duration time.Duration
	Cached   bool
}

func (t Timing) String() string {
	c := ""
	if t.Cached {
		c = " (cached)"
	}
	return fmt.Sprintf("%-34s %7.1fs%s", t.Step, t.Duration.Seconds(), c)
}

// Steps runs named build steps, logs each with its duration to Out, and keeps the timings.
// Safe for concurrent use (independent steps run in parallel).
type Steps struct {
	Out    io.Writer // nil: discard
	Prefix string    // e.g. "[airgap] "

	mu   sync.Mutex
	list []Timing
}

// Run runs fn as step name. fn reports whether it found its output already built.
func (s *Steps) Run(name string, fn func() (cached bool, err error)) error {
	s.logf("%s... ", name)
	t0 := time.Now()
	cached, err := fn()
	t := Timing{Step: name, Duration: time.Since(t0), Cached: cached}
	if err != nil {
		s.logf("%s failed after %.1fs: %v", name, t.Duration.Seconds(), err)
		return fmt.Errorf("%s: %w", name, err)
	}
	s.mu.Lock()
	s.list = append(s.list, t)
	s.mu.Unlock()
	s.logf("%s", t)
	return nil
}

// Timings returns the completed steps in completion order.
func (s *Steps) Timings() []Timing {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Timing(nil), s.list...)
}

// Add records timings measured elsewhere (e.g. by a nested builder).
func (s *Steps) Add(ts ...Timing) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, ts...)
}

func (s *Steps) logf(format string, a ...any) {
	if s == nil || s.Out == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.Out, "%s%s %s\n", s.Prefix, time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

// Logf writes a free-form line to the step log.
func (s *Steps) Logf(format string, a ...any) { s.logf(format, a...) }
