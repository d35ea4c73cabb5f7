package disrupt

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/verdict"
)

// Pick values of Spec.Pick (the scenario's disruption.pick).
const (
	PickBusiest = "busiest" // the pod carrying the most probe connections, then requests (default)
	PickAll     = "all"
)

// DefaultSettle is Spec.Settle when unset: how long a disruption waits for the
// probes' traffic to reach every ready pod of its target.
const DefaultSettle = 20 * time.Second

// settleEvery is how often the ledger is re-read while traffic settles.
const settleEvery = 100 * time.Millisecond

// carriedBy reads, for each of pods (names in ns), what it carries now by the
// verdict's attribution rule.
func carriedBy(l *ledger.Ledger, ns string, pods []string) map[string]verdict.Load {
	out := map[string]verdict.Load{}
	for _, ld := range verdict.Carrying(l.Events()) {
		name := ld.Pod
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			if name[:i] != ns {
				continue
			}
			name = name[i+1:]
		}
		for _, p := range pods {
			if p == name {
				cur := out[p]
				cur.Pod, cur.Connections, cur.Requests = p, cur.Connections+ld.Connections, cur.Requests+ld.Requests
				out[p] = cur
			}
		}
	}
	return out
}

// settle waits until every pod carries something (a probe connection or a
// request) or settle passes, so a victim is not chosen before kube-proxy
// routed traffic to every ready endpoint. It waits only when the probes
// carry attributable traffic at all (an in-pod caller's calls are not
// routed through the target). It returns what each pod carried at the end.
func settle(ctx context.Context, l *ledger.Ledger, ns string, pods []string, d time.Duration) map[string]verdict.Load {
	deadline := time.Now().Add(d)
	for {
		c := carriedBy(l, ns, pods)
		routed := len(c) > 0
		for _, p := range pods {
			if ld := c[p]; ld.Connections == 0 && ld.Requests == 0 {
				routed = false
			}
		}
		if routed || len(c) == 0 || !time.Now().Before(deadline) {
			return c
		}
		select {
		case <-ctx.Done():
			return c
		case <-time.After(settleEvery):
		}
	}
}

// choose picks the victims among pods (sorted names) by what they carry.
func choose(pick string, pods []string, carried map[string]verdict.Load) []string {
	if pick == PickAll {
		return pods
	}
	best := pods[0]
	for _, p := range pods[1:] {
		a, b := carried[p], carried[best]
		if a.Connections > b.Connections || a.Connections == b.Connections && a.Requests > b.Requests {
			best = p
		}
	}
	return []string{best}
}

// carriedText is what each pod carried, for the DisruptionStart detail:
// "web-a=3 connections/120 requests,web-b=0 connections/0 requests".
func carriedText(pods []string, carried map[string]verdict.Load) string {
	parts := make([]string, len(pods))
	for i, p := range pods {
		parts[i] = fmt.Sprintf("%s=%d connections/%d requests", p, carried[p].Connections, carried[p].Requests)
	}
	return strings.Join(parts, ",")
}
