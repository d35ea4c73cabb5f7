package verdict

import (
	"fmt"
	"sort"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// podMetrics fills what is known about a pod from its own lifecycle events.
func (ix *index) podMetrics(name string) *PodMetrics {
	p := ix.pods[name]
	m := &PodMetrics{Pod: name, IP: p.ip}
	if p.deleting != nil {
		m.Deleting = timePtr(p.deleting.Time)
	}
	if e := p.lastExit(); e != nil {
		m.Exited = timePtr(e.Time)
	}
	if p.gone != nil {
		m.Gone = timePtr(p.gone.Time)
	}
	if end := p.end(); p.deleting != nil && end != nil {
		m.DrainTime = DP(nonNegative(exitedBy(end).Sub(p.deleting.Time)))
	}
	return m
}

// countEvents fills the counters, the per-pod connection counts and the
// attributed drops (one per connection: its first Drop event).
func countEvents(v *Verdict, ix *index, metrics map[string]*PodMetrics) {
	for _, id := range ix.connIDs {
		c := ix.conns[id]
		if c.established == nil {
			continue
		}
		v.Connections++
		if m := metrics[c.pod]; m != nil {
			m.Connections++
			m.Stalls += c.stalls
			if c.end != nil && (m.LastConnectionEnd == nil || c.end.Time.After(*m.LastConnectionEnd)) {
				m.LastConnectionEnd = timePtr(c.end.Time)
			}
		}
	}
	dropped := map[string]bool{}
	for i := range ix.events {
		e := &ix.events[i]
		switch e.Kind {
		case ledger.Stall:
			v.Stalls++
		case ledger.DialFailure:
			v.DialFailures++
		case ledger.Request, ledger.Hit:
			v.Requests++
			if !requestOK(*e) {
				v.Errors++
			}
		case ledger.Drop:
			if e.Conn != "" && dropped[e.Conn] {
				continue
			}
			dropped[e.Conn] = true
			d := ix.attributeDrop(e)
			v.DropDetails = append(v.DropDetails, d)
			if m := metrics[d.Pod]; m != nil {
				m.Drops++
			}
		}
	}
	v.Drops = len(v.DropDetails)
}

// attributeDrop applies the attribution rule to one drop event.
func (ix *index) attributeDrop(e *ledger.Event) Drop {
	d := Drop{Seq: e.Seq, Conn: e.Conn, Time: e.Time, Cause: e.Cause, Peer: e.Peer, drop: e}
	if c := ix.conns[e.Conn]; e.Conn != "" && c != nil {
		d.Pod, d.established = c.pod, c.established
		if d.Peer == "" {
			d.Peer = c.peer
		}
	} else {
		d.Pod = ix.resolve(e.Pod, e.Peer, e.Detail["pod"], e.Time)
	}
	if p := ix.pods[d.Pod]; p != nil {
		if pe := p.lastEventAtOrBefore(e.Time); pe != nil {
			d.podEvent, d.PodEvent, d.PodEventTime = pe, pe.Kind, timePtr(pe.Time)
		}
		if p.deleting != nil {
			d.deleting = p.deleting
			d.AfterDeleting = !p.deleting.Time.After(e.Time)
			d.SinceDeleting = DP(e.Time.Sub(p.deleting.Time))
		}
	}
	return d
}

func checkDrops(exp Expect, v *Verdict, ix *index, _ map[string]*PodMetrics) []Finding {
	max := exp.maxDrops()
	pass := v.Drops <= max
	attributed := 0
	var evidence []ledger.Event
	for _, d := range v.DropDetails {
		if d.Pod != "" {
			attributed++
		}
		evidence = append(evidence, *d.drop)
	}
	msg := fmt.Sprintf("no connection dropped (max %d) among %d connections", max, v.Connections)
	if v.Drops > 0 {
		msg = fmt.Sprintf("%d of %d connections dropped (max %d); %d attributed to a pod", v.Drops, v.Connections, max, attributed)
		if v.Drops > EvidenceCap {
			msg += fmt.Sprintf("; first %d shown", EvidenceCap)
		}
	}
	out := []Finding{{Check: CheckDrops, Pass: pass, Message: msg, Evidence: capEvents(evidence)}}
	for i, d := range v.DropDetails {
		if i == EvidenceCap {
			break
		}
		out = append(out, Finding{Check: CheckDrops, Pass: pass, Pod: d.Pod, Conn: d.Conn, Message: dropMessage(d, v.Timeline), Evidence: d.Evidence()})
	}
	return out
}

func dropMessage(d Drop, tl Timeline) string {
	conn := d.Conn
	if conn == "" {
		conn = "a connection"
	}
	cause := ""
	if d.Cause != "" {
		cause = " (" + string(d.Cause) + ")"
	}
	msg := fmt.Sprintf("%s dropped%s at %s", conn, cause, tl.Format(d.Time))
	switch {
	case d.Pod == "":
		msg += "; not attributable to a pod"
		if d.Peer != "" {
			msg += " (peer " + d.Peer + ")"
		}
	case d.podEvent == nil:
		msg += fmt.Sprintf("; carried by %s, no pod event before it", d.Pod)
	default:
		msg += fmt.Sprintf("; carried by %s, %s after its %s", d.Pod, fmtDur(d.Time.Sub(d.podEvent.Time)), d.PodEvent)
	}
	if d.SinceDeleting != nil && d.PodEvent != ledger.PodDeleting {
		if s := d.SinceDeleting.Duration; s >= 0 {
			msg += fmt.Sprintf(", %s after its delete", fmtDur(s))
		} else {
			msg += fmt.Sprintf(", %s before its delete was seen", fmtDur(-s))
		}
	}
	return msg
}

// checkCount judges "at most max events of this kind"; nil max is not judged.
func checkCount(check, noun string, max *int, events []ledger.Event) []Finding {
	if max == nil {
		return nil
	}
	return []Finding{{
		Check:    check,
		Pass:     len(events) <= *max,
		Message:  fmt.Sprintf("%d %s (max %d)", len(events), noun, *max),
		Evidence: capEvents(events),
	}}
}

// checkSuccessRatio fills v.SuccessRatio (when there are requests) and judges it when asked.
func checkSuccessRatio(exp Expect, v *Verdict, evs []ledger.Event) []Finding {
	var reqs []ledger.Event
	for _, e := range evs {
		if e.Kind == ledger.Request || e.Kind == ledger.Hit {
			reqs = append(reqs, e)
		}
	}
	var w time.Duration
	if exp.Window != nil && exp.Window.Duration > 0 {
		w = exp.Window.Duration
	}
	if len(reqs) > 0 {
		v.SuccessRatio = worstWindow(reqs, v.Timeline.Origin, w)
	}
	minp := exp.minSuccessRatio(len(reqs) > 0)
	if minp == nil {
		return nil
	}
	min := *minp
	if len(reqs) == 0 {
		return []Finding{{Check: CheckSuccessRatio, Pass: false, Message: fmt.Sprintf("no requests or hits recorded: success ratio >= %.3f cannot be judged", min)}}
	}
	s := v.SuccessRatio
	var failed []ledger.Event
	for _, e := range reqs {
		if !requestOK(e) && inWindow(e.Time, s, w) {
			failed = append(failed, e)
		}
	}
	span := "whole run"
	if w > 0 {
		span = fmt.Sprintf("%s window %s..%s", w, v.Timeline.Format(s.WorstStart), v.Timeline.Format(s.WorstEnd))
	}
	pass := s.Worst >= min
	cmp := ">="
	if !pass {
		cmp = "<"
	}
	return []Finding{{
		Check: CheckSuccessRatio,
		Pass:  pass,
		Message: fmt.Sprintf("worst %s: %d/%d succeeded (%.3f %s %.3f); overall %.3f over %d requests",
			span, s.WorstTotal-s.WorstFailed, s.WorstTotal, s.Worst, cmp, min, s.Overall, len(reqs)),
		Evidence: capEvents(failed),
	}}
}

// worstWindow buckets reqs into windows of w aligned to origin (w == 0: one
// window from the first to the last request) and returns the worst one; ties
// go to the earliest window.
func worstWindow(reqs []ledger.Event, origin time.Time, w time.Duration) *RatioSummary {
	type bucket struct{ total, failed int }
	buckets := map[int64]*bucket{}
	okAll := 0
	for _, e := range reqs {
		k := int64(0)
		if w > 0 {
			k = floorDiv(int64(e.Time.Sub(origin)), int64(w))
		}
		b := buckets[k]
		if b == nil {
			b = &bucket{}
			buckets[k] = b
		}
		b.total++
		if requestOK(e) {
			okAll++
		} else {
			b.failed++
		}
	}
	keys := make([]int64, 0, len(buckets))
	for k := range buckets {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	s := &RatioSummary{Window: D(w), Overall: float64(okAll) / float64(len(reqs)), Worst: 2}
	for _, k := range keys {
		b := buckets[k]
		r := float64(b.total-b.failed) / float64(b.total)
		if r < s.Worst {
			s.Worst, s.WorstTotal, s.WorstFailed = r, b.total, b.failed
			if w > 0 {
				s.WorstStart = origin.Add(time.Duration(k * int64(w)))
				s.WorstEnd = s.WorstStart.Add(w)
			} else {
				s.WorstStart, s.WorstEnd = reqs[0].Time, reqs[len(reqs)-1].Time
			}
		}
	}
	return s
}

// inWindow says whether t falls in s's worst window: [start, end) for a
// window of w, [first, last] request for the whole run.
func inWindow(t time.Time, s *RatioSummary, w time.Duration) bool {
	if w > 0 {
		return !t.Before(s.WorstStart) && t.Before(s.WorstEnd)
	}
	return !t.Before(s.WorstStart) && !t.After(s.WorstEnd)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func nonNegative(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d
}
