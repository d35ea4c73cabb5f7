package verdict

import (
	"fmt"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// drainWindow is one pod's [start, end] for outbound calls; end nil = open.
type drainWindow struct {
	start, end *ledger.Event
}

func (w drainWindow) contains(t time.Time) bool {
	return w.start != nil && !t.Before(w.start.Time) && (w.end == nil || !t.After(w.end.Time))
}

// outboundWindow is the pod's drain window as Expect.MinOutboundSuccess defines it.
func (p *podInfo) outboundWindow(container string) drainWindow {
	w := drainWindow{start: p.deleting}
	if p.deleting == nil {
		return w
	}
	if container != "" {
		for i := range p.exits {
			if p.exits[i].Detail["container"] == container && !p.exits[i].Time.Before(p.deleting.Time) {
				w.end = &p.exits[i]
				return w
			}
		}
		w.end = p.gone
		return w
	}
	w.end = p.end()
	return w
}

func checkOutbound(exp Expect, v *Verdict, ix *index, metrics map[string]*PodMetrics) []Finding {
	calls := kindEvents(ix.events, ledger.Outbound)
	if len(calls) == 0 && exp.MinOutboundSuccess == nil {
		return nil
	}
	sum := &OutboundSummary{Calls: len(calls)}
	var failed []ledger.Event
	var podsInvolved []string
	involved := map[string]bool{}
	for _, e := range calls {
		name := ""
		if h := podHint(e); h != "" {
			name = ix.canonicalPodName(h)
		}
		if m := metrics[name]; m != nil {
			m.OutboundCalls++
		}
		p := ix.pods[name]
		if p == nil || !p.outboundWindow(exp.OutboundContainer).contains(e.Time) {
			continue
		}
		if !involved[name] {
			involved[name] = true
			podsInvolved = append(podsInvolved, name)
		}
		sum.InWindow++
		if requestOK(e) {
			sum.Succeeded++
		} else {
			failed = append(failed, e)
		}
	}
	if sum.InWindow > 0 {
		sum.Ratio = float64(sum.Succeeded) / float64(sum.InWindow)
	}
	v.Outbound = sum
	if exp.MinOutboundSuccess == nil {
		return nil
	}
	min := *exp.MinOutboundSuccess
	f := Finding{Check: CheckOutboundSuccess}
	if len(podsInvolved) == 1 {
		f.Pod = podsInvolved[0]
	}
	// Evidence: each involved pod's window bounds, then the failed calls.
	var evidence []ledger.Event
	for _, name := range podsInvolved {
		w := ix.pods[name].outboundWindow(exp.OutboundContainer)
		evidence = append(evidence, *w.start)
		if w.end != nil {
			evidence = append(evidence, *w.end)
		}
	}
	f.Evidence = capEvents(append(evidence, failed...))
	outside := fmt.Sprintf("; %d of %d calls outside any drain window not judged", sum.Calls-sum.InWindow, sum.Calls)
	if sum.InWindow == 0 {
		f.Message = fmt.Sprintf("no outbound call inside a drain window: outbound success >= %.3f cannot be judged", min) + outside
		return []Finding{f}
	}
	f.Pass = sum.Ratio >= min
	cmp := ">="
	if !f.Pass {
		cmp = "<"
	}
	f.Message = fmt.Sprintf("%d/%d outbound calls inside the drain window succeeded (%.3f %s %.3f)",
		sum.Succeeded, sum.InWindow, sum.Ratio, cmp, min) + outside
	return []Finding{f}
}

// lingerFor measures a deleted pod that carried connections: from
// max(PodDeleting, last connection end) to its last container exit (or
// PodGone). ok is false when the pod does not qualify; end is nil when the pod
// never finished in the ledger.
func (ix *index) lingerFor(name string) (from, end, lastConn *ledger.Event, ok bool) {
	p := ix.pods[name]
	if p == nil || p.deleting == nil {
		return nil, nil, nil, false
	}
	carried := false
	for _, id := range ix.connIDs {
		c := ix.conns[id]
		if c.pod != name || c.established == nil {
			continue
		}
		carried = true
		if c.end != nil && (lastConn == nil || c.end.Time.After(lastConn.Time)) {
			lastConn = c.end
		}
	}
	if !carried {
		return nil, nil, nil, false
	}
	from = p.deleting
	if lastConn != nil && lastConn.Time.After(from.Time) {
		from = lastConn
	}
	return from, p.end(), lastConn, true
}

func checkLinger(exp Expect, ix *index, metrics map[string]*PodMetrics) []Finding {
	var out []Finding
	for _, name := range ix.podNames {
		from, end, lastConn, ok := ix.lingerFor(name)
		if !ok {
			continue
		}
		var linger time.Duration
		if end != nil {
			linger = nonNegative(exitedBy(end).Sub(from.Time))
			metrics[name].Linger = DP(linger)
		}
		if exp.MaxLinger == nil {
			continue
		}
		f := Finding{Check: CheckLinger, Pod: name}
		evidence := []ledger.Event{*ix.pods[name].deleting}
		if lastConn != nil {
			evidence = append(evidence, *lastConn)
		}
		if end == nil {
			f.Message = fmt.Sprintf("%s: no container exit or pod-gone recorded after its delete; linger unknown (max %s)", name, exp.MaxLinger.Duration)
		} else {
			evidence = append(evidence, *end)
			f.Pass = linger <= exp.MaxLinger.Duration
			f.Message = fmt.Sprintf("%s lingered %s after %s (max %s)", name, fmtDur(linger), lingerFromText(from), exp.MaxLinger.Duration)
		}
		sortEvents(evidence)
		f.Evidence = evidence
		out = append(out, f)
	}
	if exp.MaxLinger != nil && len(out) == 0 {
		out = append(out, Finding{Check: CheckLinger, Message: "no deleted pod carried a probe connection: linger cannot be judged"})
	}
	return out
}

// exitedBy is the latest time a pod's end event can have happened. The watch saw it at e.Time;
// for a container exit the runtime also stamped finishedAt (e.APITime, whole seconds), so the
// container had exited before finishedAt+1s. Under load the kubelet reports an exit seconds
// after it happened (6.7 s measured at load average 50): taking the earlier of the two bounds
// keeps that reporting delay out of linger, and never makes linger shorter than it was.
// finishedAt is the node's clock: on kind, the host's, which is the prober's.
func exitedBy(e *ledger.Event) time.Time {
	if e.Kind != ledger.ContainerExited || e.APITime == nil {
		return e.Time
	}
	if stamped := e.APITime.Add(time.Second); stamped.Before(e.Time) {
		return stamped
	}
	return e.Time
}

func lingerFromText(from *ledger.Event) string {
	if from.Kind == ledger.PodDeleting {
		return "its delete (its last connection had closed before)"
	}
	return "its last connection closed"
}

func checkDrainTime(exp Expect, ix *index) []Finding {
	if exp.MaxDrainTime == nil {
		return nil
	}
	max := exp.MaxDrainTime.Duration
	var out []Finding
	for _, name := range ix.podNames {
		p := ix.pods[name]
		if p.deleting == nil {
			continue
		}
		f := Finding{Check: CheckDrainTime, Pod: name}
		evidence := []ledger.Event{*p.deleting}
		if end := p.end(); end == nil {
			f.Message = fmt.Sprintf("%s: no container exit or pod-gone recorded after its delete; drain time unknown (max %s)", name, max)
		} else {
			d := nonNegative(exitedBy(end).Sub(p.deleting.Time))
			f.Pass = d <= max
			f.Message = fmt.Sprintf("%s drained in %s (max %s)", name, fmtDur(d), max)
			evidence = append(evidence, p.exits...)
			if len(p.exits) == 0 {
				evidence = append(evidence, *end)
			}
		}
		f.Evidence = capEvents(evidence)
		out = append(out, f)
	}
	if len(out) == 0 {
		out = append(out, Finding{Check: CheckDrainTime, Message: "no pod was deleted: drain time cannot be judged"})
	}
	return out
}
