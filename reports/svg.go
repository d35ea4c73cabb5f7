package reports

import (
	"fmt"
	"html"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/drainproof/drainproof/harness/ledger"
)

// SVG timeline geometry (pixels).
const (
	svgWidth     = 1100
	svgLabelW    = 150 // connection ids on the left
	svgRightPad  = 20
	svgRowH      = 10
	svgMaxLanes  = 8 // lanes for pod-event labels above the rows
	svgCharW     = 5.5
	svgLaneH     = 13
	svgAxisH     = 28
	svgMaxRows   = 300 // connections drawn; dropped ones first
	svgMaxTicksR = 2000
	svgMaxTicks  = 50 // axis ticks: tickStep aims at ~10; the cap keeps absurd spans bounded
)

// Colours by how a connection ended.
var endColour = map[ledger.Kind]string{
	ledger.ClosedByClient: "#2e7d32",
	ledger.ClosedByServer: "#1565c0",
	ledger.Drop:           "#c62828",
	"":                    "#9e9e9e", // never ended in the ledger
}

var markerStyle = map[ledger.Kind]string{
	ledger.PodDeleting:     `stroke="#ef6c00" stroke-dasharray="6 3"`,
	ledger.EndpointRemoved: `stroke="#6a1b9a" stroke-dasharray="2 2"`,
	ledger.ContainerExited: `stroke="#212121"`,
	ledger.PodGone:         `stroke="#9e9e9e"`,
}

type svgConn struct {
	id            string
	start, end    time.Time
	ended         bool
	endKind       ledger.Kind
	endEvent      ledger.Event
	peer, pod     string
	stalls        []time.Time
	dropped       bool
	dropCause     string
	attributedTxt string
}

// svgTimeline draws one run: a row per connection (bar from established to
// its end, coloured by how it ended, an × where it dropped), vertical lines
// for pod events labelled with the pod's name, failed requests and outbound
// calls as ticks; all on the run's timeline (0 = first disruption).
func svgTimeline(r Result) string {
	conns := collectConns(r)
	var markers, reqFail, outOK, outFail []ledger.Event
	reqTotal := 0
	lo, hi := r.Verdict.Timeline.Origin, r.Verdict.Timeline.Origin
	widen := func(t time.Time) {
		if t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	for _, e := range r.Events {
		switch {
		case isMarkerKind(e.Kind) || e.Kind == ledger.DisruptionStart:
			markers = append(markers, e)
			widen(e.Time)
		case e.Kind == ledger.Request || e.Kind == ledger.Hit:
			reqTotal++
			if e.Error != "" || e.Cause != "" || e.Code >= 400 {
				reqFail = append(reqFail, e)
			}
			widen(e.Time)
		case e.Kind == ledger.Outbound:
			if e.Error != "" || e.Cause != "" || e.Code >= 400 {
				outFail = append(outFail, e)
			} else {
				outOK = append(outOK, e)
			}
			widen(e.Time)
		}
	}
	for _, c := range conns {
		widen(c.start)
		widen(c.end)
	}
	if !hi.After(lo) {
		hi = lo.Add(time.Second)
	}
	span := hi.Sub(lo)
	lo, hi = lo.Add(-span/50), hi.Add(span/50)
	plotW := float64(svgWidth - svgLabelW - svgRightPad)
	x := func(t time.Time) float64 {
		return float64(svgLabelW) + plotW*float64(t.Sub(lo))/float64(hi.Sub(lo))
	}

	shown := conns
	if len(shown) > svgMaxRows {
		shown = shown[:svgMaxRows]
	}
	extraRows := 0
	if reqTotal > 0 {
		extraRows++
	}
	if len(outOK)+len(outFail) > 0 {
		extraRows++
	}
	sort.SliceStable(markers, func(i, j int) bool { return markers[i].Time.Before(markers[j].Time) })
	labels, lanes := placeLabels(markers, x)
	top := lanes*svgLaneH + 6
	rowsH := (len(shown)+extraRows)*svgRowH + 4
	height := top + rowsH + svgAxisH
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="monospace" font-size="9">`+"\n",
		svgWidth, height, svgWidth, height)
	fmt.Fprintf(&b, `<title>%s: connections and pod events, seconds relative to %s</title>`+"\n", esc(runName(r)), esc(originText(r)))
	bottom := top + rowsH

	// Axis ticks.
	step := tickStep(hi.Sub(lo))
	first := time.Duration(math.Ceil(float64(lo.Sub(r.Verdict.Timeline.Origin))/float64(step))) * step
	for n, d := 0, first; n < svgMaxTicks && r.Verdict.Timeline.Origin.Add(d).Before(hi); n, d = n+1, d+step {
		px := x(r.Verdict.Timeline.Origin.Add(d))
		fmt.Fprintf(&b, `<line class="tick" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eee"/>`, px, top, px, bottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", px, bottom+12, esc(tickLabel(d)))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">s from %s</text>`+"\n", svgWidth-svgRightPad, bottom+24, esc(string(r.Verdict.Timeline.OriginKind)))

	// Rows.
	for i, c := range shown {
		y := top + i*svgRowH
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, svgLabelW-4, y+8, esc(trim(c.id, 24)))
		x1, x2 := x(c.start), x(c.end)
		if x2-x1 < 1 {
			x2 = x1 + 1
		}
		fmt.Fprintf(&b, `<rect class="conn end-%s" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`,
			esc(kindClass(c.endKind)), x1, y+2, x2-x1, svgRowH-3, endColour[c.endKind], esc(connTitle(r, c)))
		for _, st := range c.stalls {
			fmt.Fprintf(&b, `<line class="stall" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#f9a825" stroke-width="2"/>`, x(st), y, x(st), y+svgRowH)
		}
		if c.dropped {
			dx, dy := x(c.end), float64(y)+float64(svgRowH)/2
			fmt.Fprintf(&b, `<path class="drop-marker" d="M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f" stroke="#b71c1c" stroke-width="2"><title>%s</title></path>`,
				dx-4, dy-4, dx+4, dy+4, dx-4, dy+4, dx+4, dy-4, esc(c.id+" dropped at "+rel(r, c.end)+" ("+orDash(c.dropCause)+") "+c.attributedTxt))
		}
		b.WriteString("\n")
	}
	row := top + len(shown)*svgRowH
	if reqTotal > 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">requests %d/%d failed</text>`, svgLabelW-4, row+8, len(reqFail), reqTotal)
		for i, e := range reqFail {
			if i == svgMaxTicksR {
				break
			}
			fmt.Fprintf(&b, `<line class="request-error" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#c62828"><title>%s</title></line>`, x(e.Time), row+1, x(e.Time), row+svgRowH-1, esc(rel(r, e.Time)+" "+describe(e)))
		}
		b.WriteString("\n")
		row += svgRowH
	}
	if len(outOK)+len(outFail) > 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">outbound %d/%d ok</text>`, svgLabelW-4, row+8, len(outOK), len(outOK)+len(outFail))
		for _, group := range []struct {
			evs    []ledger.Event
			class  string
			colour string
		}{{outOK, "outbound-ok", "#2e7d32"}, {outFail, "outbound-error", "#c62828"}} {
			for i, e := range group.evs {
				if i == svgMaxTicksR {
					break
				}
				fmt.Fprintf(&b, `<line class="%s" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"><title>%s</title></line>`, group.class, x(e.Time), row+1, x(e.Time), row+svgRowH-1, group.colour, esc(rel(r, e.Time)+" "+describe(e)))
			}
		}
		b.WriteString("\n")
	}

	// Pod-event markers last, over the rows, labels in lanes that do not overlap.
	for i, m := range markers {
		px, l := x(m.Time), labels[i]
		style := markerStyle[m.Kind]
		if m.Kind == ledger.DisruptionStart {
			style = `stroke="#000" stroke-width="1.5"`
		}
		y := l.lane*svgLaneH + 10
		fmt.Fprintf(&b, `<g class="pod-event %s" data-pod="%s"><line x1="%.1f" y1="%d" x2="%.1f" y2="%d" %s/><text x="%.1f" y="%d" text-anchor="%s">%s</text><title>%s</title></g>`+"\n",
			esc(string(m.Kind)), esc(m.Pod), px, y, px, bottom, style, l.x, y, l.anchor, esc(l.text), esc(rel(r, m.Time)+" "+describe(m)))
	}
	b.WriteString("</svg>\n")
	if len(conns) > len(shown) {
		fmt.Fprintf(&b, `<p class="note">%d of %d connections drawn (dropped ones first).</p>`+"\n", len(shown), len(conns))
	}
	return b.String()
}

type svgLabel struct {
	text   string
	x      float64
	anchor string
	lane   int
}

// placeLabels gives each marker (in time order) a label in the first lane
// where it does not overlap the previous one; labels that would run off the
// right edge are drawn leftwards. It returns the labels and the lanes used.
func placeLabels(markers []ledger.Event, x func(time.Time) float64) ([]svgLabel, int) {
	out := make([]svgLabel, len(markers))
	laneEnd := make([]float64, svgMaxLanes)
	for i := range laneEnd {
		laneEnd[i] = -1
	}
	used := 1
	for i, m := range markers {
		text := shortPod(m.Pod) + " " + markerWord(m)
		if m.Kind == ledger.DisruptionStart {
			text = "disruption " + m.Detail["action"]
		}
		w := svgCharW * float64(len([]rune(text)))
		px := x(m.Time)
		l := svgLabel{text: text, x: px + 2, anchor: "start"}
		left, right := px+2, px+2+w
		if right > float64(svgWidth-2) {
			l.x, l.anchor = px-2, "end"
			left, right = px-2-w, px-2
		}
		best := 0
		for lane := range laneEnd {
			if laneEnd[lane] < left {
				best = lane
				break
			}
			if laneEnd[lane] < laneEnd[best] {
				best = lane
			}
		}
		l.lane = best
		laneEnd[best] = right + 4
		if best+1 > used {
			used = best + 1
		}
		out[i] = l
	}
	return out, used
}

// collectConns returns every connection that was established, dropped ones
// first, then by start time and id.
func collectConns(r Result) []svgConn {
	byID := map[string]*svgConn{}
	var order []string
	last := r.Verdict.Timeline.Origin
	for _, e := range r.Events {
		if e.Time.After(last) {
			last = e.Time
		}
		if e.Conn == "" {
			continue
		}
		c := byID[e.Conn]
		switch {
		case e.Kind == ledger.Established && c == nil:
			c = &svgConn{id: e.Conn, start: e.Time, peer: e.Peer}
			byID[e.Conn] = c
			order = append(order, e.Conn)
		case c == nil:
		case e.Kind == ledger.Stall:
			c.stalls = append(c.stalls, e.Time)
		case e.IsConnectionEnd() && !c.ended:
			c.ended, c.end, c.endKind, c.endEvent = true, e.Time, e.Kind, e
			c.dropped, c.dropCause = e.Kind == ledger.Drop, e.Cause
		}
	}
	drops := map[string]string{}
	pods := map[string]string{}
	for _, d := range r.Verdict.DropDetails {
		drops[d.Conn] = "carried by " + orDash(d.Pod) + "; " + attribution(r, d)
		pods[d.Conn] = d.Pod
	}
	out := make([]svgConn, 0, len(order))
	for _, id := range order {
		c := byID[id]
		if !c.ended {
			c.end = last
		}
		c.attributedTxt, c.pod = drops[id], pods[id]
		out = append(out, *c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].dropped != out[j].dropped {
			return out[i].dropped
		}
		if !out[i].start.Equal(out[j].start) {
			return out[i].start.Before(out[j].start)
		}
		return out[i].id < out[j].id
	})
	return out
}

func connTitle(r Result, c svgConn) string {
	end := "still open at the end of the ledger"
	if c.ended {
		end = string(c.endKind) + " at " + rel(r, c.end)
		if c.dropCause != "" {
			end += " (" + c.dropCause + ")"
		}
	}
	s := fmt.Sprintf("%s peer %s: established %s, %s", c.id, orDash(c.peer), rel(r, c.start), end)
	if c.attributedTxt != "" {
		s += "; " + c.attributedTxt
	}
	return s
}

func markerWord(e ledger.Event) string {
	switch e.Kind {
	case ledger.PodDeleting:
		return "deleting"
	case ledger.EndpointRemoved:
		return "endpoint removed"
	case ledger.ContainerExited:
		return "exited " + e.Detail["container"]
	case ledger.PodGone:
		return "gone"
	}
	return string(e.Kind)
}

func kindClass(k ledger.Kind) string {
	if k == "" {
		return "open"
	}
	return string(k)
}

func shortPod(pod string) string {
	if i := strings.LastIndexByte(pod, '/'); i >= 0 {
		return pod[i+1:]
	}
	return pod
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// tickStep picks a round step giving about ten ticks over span.
func tickStep(span time.Duration) time.Duration {
	for _, s := range []time.Duration{
		10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond,
		200 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second,
		10 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
		10 * time.Minute, 30 * time.Minute, time.Hour,
	} {
		if span/s <= 12 {
			return s
		}
	}
	return span / 10
}

func tickLabel(d time.Duration) string {
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", d.Seconds()), "0"), ".")
	if d > 0 {
		s = "+" + s
	}
	return s + "s"
}

func esc(s string) string { return html.EscapeString(s) }
