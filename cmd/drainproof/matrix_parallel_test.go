package main

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/drainproof/drainproof/scenarios"
)

// At most n scenarios run at once, every one runs exactly once, and one that must run alone
// (a drain-node) starts only after every shared one ended and never overlaps another.
func TestInParallelBoundsConcurrencyAndRunsExclusiveAlone(t *testing.T) {
	shared := []bool{true, true, false, true, true, true, false}
	var mu sync.Mutex
	running, most, ran := 0, 0, make([]int, len(shared))
	var aloneOverlap, exclusiveBeforeShared bool
	sharedDone := 0
	release := make(chan struct{})
	started := make(chan struct{}, len(shared))
	go func() {
		// let the first wave fill up before anything ends, so the bound is really exercised
		for range 2 {
			<-started
		}
		close(release)
	}()
	inParallel(context.Background(), 2, shared, func(i int) {
		mu.Lock()
		running++
		if running > most {
			most = running
		}
		if !shared[i] && running > 1 {
			aloneOverlap = true
		}
		if !shared[i] && sharedDone < 5 {
			exclusiveBeforeShared = true
		}
		ran[i]++
		mu.Unlock()
		started <- struct{}{}
		<-release
		mu.Lock()
		running--
		if shared[i] {
			sharedDone++
		}
		mu.Unlock()
	})
	if most != 2 {
		t.Errorf("at most %d ran at once, want exactly the bound 2", most)
	}
	for i, n := range ran {
		if n != 1 {
			t.Errorf("scenario %d ran %d times", i, n)
		}
	}
	if aloneOverlap || exclusiveBeforeShared {
		t.Errorf("a drain-node scenario overlapped another (%v) or started before the shared ones ended (%v)", aloneOverlap, exclusiveBeforeShared)
	}
}

func TestInParallelOneIsTheCellsOrder(t *testing.T) {
	var order []int
	inParallel(context.Background(), 1, []bool{true, false, true}, func(i int) { order = append(order, i) })
	if len(order) != 3 || order[0] != 0 || order[1] != 1 || order[2] != 2 {
		t.Fatalf("order %v, want 0 1 2", order)
	}
}

func TestDrainNodeRunsAlone(t *testing.T) {
	drain := &scenarios.Scenario{Disruption: scenarios.Disruption{Action: "drain-node"}}
	roll := &scenarios.Scenario{Disruption: scenarios.Disruption{Action: "rollout-restart"}}
	if sharesCluster(drain) || !sharesCluster(roll) {
		t.Fatal("drain-node must run alone; a rollout shares the cluster")
	}
}

func TestPrefixedLinesKeepsLinesWhole(t *testing.T) {
	var b strings.Builder
	var mu sync.Mutex
	p := &prefixedLines{mu: &mu, w: &b, prefix: "[x] "}
	for _, part := range []string{"probe ssh ", "established\ndisruption", ": rollout\n", "tail"} {
		if _, err := p.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	if got := b.String(); got != "[x] probe ssh established\n[x] disruption: rollout\n" {
		t.Fatalf("got %q", got)
	}
}
