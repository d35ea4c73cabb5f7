package main

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/drainproof/drainproof/scenarios"
)

// sharesCluster says whether s may run beside other scenarios of a cell, each in its own
// namespace. A drain-node disruption cordons and empties a whole node, so it runs alone: beside
// it, another scenario's pods would be evicted by a disruption that is not its own.
func sharesCluster(s *scenarios.Scenario) bool {
	return s == nil || s.Disruption.Action != "drain-node"
}

// inParallel calls run(i) for every index of a cell's scenarios, at most n at once (n ≤ 1: one
// after another, in order), and the ones that must run alone (shared[i] false) one after
// another once the others are done. run writes only its own index's results; the caller reads
// them in index order, so reports list scenarios in the cell's order whatever the schedule.
func inParallel(ctx context.Context, n int, shared []bool, run func(i int)) {
	if n <= 1 {
		for i := range shared {
			if ctx.Err() != nil {
				return
			}
			run(i)
		}
		return
	}
	slots := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, ok := range shared {
		if !ok {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			run(i)
		}()
	}
	wg.Wait()
	for i, ok := range shared {
		if !ok && ctx.Err() == nil {
			run(i)
		}
	}
}

// prefixedLines writes each whole line to w with prefix, one line at a time under a lock
// shared by all prefixed writers of w, so parallel runs' logs interleave by line, never inside
// one.
type prefixedLines struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixedLines) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		p.mu.Lock()
		_, err := io.WriteString(p.w, p.prefix+string(p.buf[:i+1]))
		p.mu.Unlock()
		p.buf = p.buf[i+1:]
		if err != nil {
			return len(b), err
		}
	}
}
