package reports

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/verdict"
)

// SVG timeline geometry (pixels). Text is 11 px: readable at 100 % zoom.
const (
	svgWidth     = 1100
	svgLabelW    = 190 // connection ids and pod names on the left
	svgRightPad  = 20
	svgRowH      = 14
	svgFont      = 11
	svgMaxLanes  = 8 // lanes for pod-event labels above the rows
	svgCharW     = 6.6
	svgLaneH     = 15
	svgAxisH     = 34
	svgStripH    = 36  // per-second requests/errors bars
	svgMaxRows   = 300 // connections drawn; dropped ones first
	svgMaxTicksR = 2000
	svgMaxTicks  = 50 // axis ticks: tickStep aims at ~10; the cap keeps absurd spans bounded
	// The zoomed view: the first drop ± zoomAround (else the first
	// disruption −zoomAround..+2·zoomAround), drawn when the run is at
	// least zoomMinRatio times longer than that window.
	zoomAround   = 3 * time.Second
	zoomMinRatio = 2
)

// Colours by how a connection ended.
var endColour = map[ledger.Kind]string{
	ledger.ClosedByClient: "#2e7d32",
	ledger.ClosedByServer: "#1565c0",
	ledger.Drop:           "#c62828",
	"":                    "#9e9e9e", // never ended in the ledger
}

// markerStroke is a pod event's line: colour, dash pattern, width.
var markerStroke = map[ledger.Kind][3]string{
	ledger.PodDeleting:     {"#ef6c00", "6 3", "1"},
	ledger.EndpointRemoved: {"#6a1b9a", "2 2", "1"},
	ledger.ContainerExited: {"#212121", "", "1"},
	ledger.PodGone:         {"#9e9e9e", "", "1"},
	ledger.DisruptionStart: {"#000", "", "1.5"},
}

// timelineView is one SVG, everything placed; the page template draws it
// (html/template escapes every text and attribute).
type timelineView struct {
	Caption       string // above the SVG
	Title         string
	Width, Height int
	Font          int
	Ticks         []svgTick
	AxisX, AxisY  int
	AxisText      string
	Groups        []svgGroup
	Rows          []svgRow
	Strips        []svgStrip
	Markers       []svgMarker
	Note          string
}

type svgTick struct {
	X      float64
	Y1, Y2 int
	TextY  int
	Text   string
}

// svgGroup is a pod's header row: the connections below it were carried by it.
type svgGroup struct {
	Y     int
	Text  string
	Title string
	Bad   bool
}

type svgRow struct {
	LabelX, LabelY int
	Label          string
	Class          string
	X, W           float64
	Y, H           int
	Fill           string
	Title          string
	Stalls         []svgPoint
	Drop           *svgPoint
}

type svgPoint struct {
	X, Y  float64
	D     string // a path, for drop crosses
	Title string
}

// svgStrip is a row of ticks (failed requests, outbound calls) or, with
// Bars, the per-second requests/errors chart.
type svgStrip struct {
	LabelX, LabelY int
	Label          string
	Ticks          []svgLine
	Bars           []svgBar
}

type svgLine struct {
	Class  string
	X      float64
	Y1, Y2 int
	Stroke string
	Title  string
}

type svgBar struct {
	X, W       float64
	Y, H       float64 // all requests
	ErrY, ErrH float64 // the failed part, at the bottom
	Title      string
}

type svgMarker struct {
	Kind, Pod           string
	X                   float64
	Y1, Y2              int
	Stroke, Dash, SW    string
	TextX               float64
	TextY               int
	Anchor, Text, Title string
}

// timelineViews is the full run and, when it is long enough for it to
// matter, a zoom on the first drop (or the disruption).
func timelineViews(r Result) []timelineView {
	lo, hi := runSpan(r)
	full := buildTimeline(r, lo, hi)
	full.Caption = "Whole run"
	zlo, zhi, why, ok := zoomWindow(r, lo, hi)
	if !ok {
		return []timelineView{full}
	}
	z := buildTimeline(r, zlo, zhi)
	z.Caption = "Zoom: " + why
	return []timelineView{z, full}
}

// runSpan is the time range every drawn event falls in.
func runSpan(r Result) (time.Time, time.Time) {
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
		if isMarkerKind(e.Kind) || e.Kind == ledger.DisruptionStart || e.Kind == ledger.Request || e.Kind == ledger.Hit || e.Kind == ledger.Outbound {
			widen(e.Time)
		}
	}
	for _, c := range r.Verdict.Conns {
		widen(c.Start)
		if c.End != nil {
			widen(*c.End)
		}
	}
	return lo, hi
}

// zoomWindow picks what the zoom shows: the first drop ± zoomAround, else
// the first disruption from −zoomAround to +2·zoomAround. No zoom when
// there is neither, or the run is short enough to read whole.
func zoomWindow(r Result, lo, hi time.Time) (time.Time, time.Time, string, bool) {
	var zlo, zhi time.Time
	var why string
	switch {
	case len(r.Verdict.DropDetails) > 0:
		first := r.Verdict.DropDetails[0].Time
		for _, d := range r.Verdict.DropDetails {
			if d.Time.Before(first) {
				first = d.Time
			}
		}
		zlo, zhi = first.Add(-zoomAround), first.Add(zoomAround)
		why = fmt.Sprintf("the first drop (%s) ± %s", rel(r, first), zoomAround)
	case r.Verdict.Timeline.OriginKind == ledger.DisruptionStart:
		o := r.Verdict.Timeline.Origin
		zlo, zhi = o.Add(-zoomAround), o.Add(2*zoomAround)
		why = fmt.Sprintf("the disruption, %s before to %s after", zoomAround, 2*zoomAround)
	default:
		return zlo, zhi, "", false
	}
	if hi.Sub(lo) < zoomMinRatio*zhi.Sub(zlo) {
		return zlo, zhi, "", false
	}
	return zlo, zhi, why, true
}

// buildTimeline places one run's connections (grouped by the pod that
// carried them), pod events, request and outbound strips between lo and hi.
func buildTimeline(r Result, lo, hi time.Time) timelineView {
	tl := r.Verdict.Timeline
	if !hi.After(lo) {
		hi = lo.Add(time.Second)
	}
	span := hi.Sub(lo)
	lo, hi = lo.Add(-span/50), hi.Add(span/50)
	plotW := float64(svgWidth - svgLabelW - svgRightPad)
	x := func(t time.Time) float64 {
		if t.Before(lo) {
			t = lo
		}
		if t.After(hi) {
			t = hi
		}
		return float64(svgLabelW) + plotW*float64(t.Sub(lo))/float64(hi.Sub(lo))
	}
	inView := func(t time.Time) bool { return !t.Before(lo) && !t.After(hi) }

	var markers, reqs, outOK, outFail []ledger.Event
	for _, e := range r.Events {
		switch {
		case (isMarkerKind(e.Kind) || e.Kind == ledger.DisruptionStart) && inView(e.Time):
			markers = append(markers, e)
		case e.Kind == ledger.Request || e.Kind == ledger.Hit:
			reqs = append(reqs, e)
		case e.Kind == ledger.Outbound && inView(e.Time) && verdict.RequestOK(e):
			outOK = append(outOK, e)
		case e.Kind == ledger.Outbound && inView(e.Time):
			outFail = append(outFail, e)
		}
	}
	sort.SliceStable(markers, func(i, j int) bool { return markers[i].Time.Before(markers[j].Time) })
	labels, lanes := placeLabels(markers, x)
	top := lanes*svgLaneH + 8

	groups, shown, total := groupConns(r, lo, hi)
	v := timelineView{Width: svgWidth, Font: svgFont,
		Title: fmt.Sprintf("%s: connections by carrying pod, pod events, requests; seconds relative to %s", runName(r), originText(r))}
	y := top
	for _, g := range groups {
		v.Groups = append(v.Groups, svgGroup{Y: y + svgRowH - 3, Text: g.title, Title: g.detail, Bad: g.drops > 0})
		y += svgRowH
		for _, c := range g.conns {
			v.Rows = append(v.Rows, connRow(r, c, y, x))
			y += svgRowH
		}
	}
	if len(reqs) > 0 {
		v.Strips = append(v.Strips, requestStrip(r, reqs, lo, hi, y, x))
		y += svgStripH
	}
	if len(outOK)+len(outFail) > 0 {
		s := svgStrip{LabelX: svgLabelW - 4, LabelY: y + svgRowH - 3, Label: fmt.Sprintf("outbound %d/%d ok", len(outOK), len(outOK)+len(outFail))}
		for _, g := range []struct {
			evs           []ledger.Event
			class, colour string
		}{{outOK, "outbound-ok", "#2e7d32"}, {outFail, "outbound-error", "#c62828"}} {
			for i, e := range g.evs {
				if i == svgMaxTicksR {
					break
				}
				s.Ticks = append(s.Ticks, svgLine{Class: g.class, X: x(e.Time), Y1: y + 1, Y2: y + svgRowH - 1, Stroke: g.colour, Title: rel(r, e.Time) + " " + describe(e)})
			}
		}
		v.Strips = append(v.Strips, s)
		y += svgRowH
	}
	bottom := y + 4
	step := tickStep(hi.Sub(lo))
	first := time.Duration(math.Ceil(float64(lo.Sub(tl.Origin))/float64(step))) * step
	for n, d := 0, first; n < svgMaxTicks && tl.Origin.Add(d).Before(hi); n, d = n+1, d+step {
		v.Ticks = append(v.Ticks, svgTick{X: x(tl.Origin.Add(d)), Y1: top, Y2: bottom, TextY: bottom + 14, Text: tickLabel(d)})
	}
	v.AxisX, v.AxisY, v.AxisText = svgWidth-svgRightPad, bottom+28, "s from "+string(tl.OriginKind)
	for i, m := range markers {
		l := labels[i]
		st := markerStroke[m.Kind]
		ly := l.lane*svgLaneH + 12
		v.Markers = append(v.Markers, svgMarker{Kind: string(m.Kind), Pod: m.Pod, X: x(m.Time), Y1: ly, Y2: bottom,
			Stroke: st[0], Dash: st[1], SW: st[2], TextX: l.x, TextY: ly, Anchor: l.anchor, Text: l.text, Title: rel(r, m.Time) + " " + describe(m)})
	}
	v.Height = bottom + svgAxisH
	if shown < total {
		v.Note = fmt.Sprintf("%d of %d connections drawn (dropped ones first).", shown, total)
	}
	return v
}

type connGroup struct {
	pod, title, detail string
	drops              int
	conns              []verdict.Conn
}

// groupConns groups the connections alive in [lo, hi] by carrying pod:
// pods with drops first, then by name, unattributed last; in a group,
// dropped connections first, then by start. At most svgMaxRows are kept,
// dropped ones first; it returns how many were kept and how many there were.
func groupConns(r Result, lo, hi time.Time) ([]connGroup, int, int) {
	var alive []verdict.Conn
	for _, c := range r.Verdict.Conns {
		if c.Start.After(hi) || c.End != nil && c.End.Before(lo) {
			continue
		}
		alive = append(alive, c)
	}
	sort.SliceStable(alive, func(i, j int) bool {
		if alive[i].Dropped() != alive[j].Dropped() {
			return alive[i].Dropped()
		}
		if !alive[i].Start.Equal(alive[j].Start) {
			return alive[i].Start.Before(alive[j].Start)
		}
		return alive[i].ID < alive[j].ID
	})
	total := len(alive)
	if len(alive) > svgMaxRows {
		alive = alive[:svgMaxRows]
	}
	byPod := map[string]*connGroup{}
	var order []*connGroup
	for _, c := range alive {
		g := byPod[c.Pod]
		if g == nil {
			g = &connGroup{pod: c.Pod}
			byPod[c.Pod] = g
			order = append(order, g)
		}
		g.conns = append(g.conns, c)
		if c.Dropped() {
			g.drops++
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if (a.pod == "") != (b.pod == "") {
			return b.pod == ""
		}
		if (a.drops > 0) != (b.drops > 0) {
			return a.drops > 0
		}
		return a.pod < b.pod
	})
	out := make([]connGroup, len(order))
	for i, g := range order {
		name := shortPod(g.pod)
		if g.pod == "" {
			name = "(unattributed)"
		}
		g.title = fmt.Sprintf("%s: %d conn", trim(name, 22), len(g.conns))
		g.detail = fmt.Sprintf("%s carried %d of the connections drawn, %d dropped", orDash(g.pod), len(g.conns), g.drops)
		if g.drops > 0 {
			g.title += fmt.Sprintf(", %d ×", g.drops)
		}
		out[i] = *g
	}
	return out, len(alive), total
}

func connRow(r Result, c verdict.Conn, y int, x func(time.Time) float64) svgRow {
	end := r.Verdict.Timeline.Origin
	for _, e := range r.Events { // an open connection runs to the ledger's end
		if e.Time.After(end) {
			end = e.Time
		}
	}
	if c.End != nil {
		end = *c.End
	}
	x1, x2 := x(c.Start), x(end)
	if x2-x1 < 1 {
		x2 = x1 + 1
	}
	row := svgRow{LabelX: svgLabelW - 4, LabelY: y + svgRowH - 3, Label: trim(c.ID, 28), Class: "conn end-" + kindClass(c.EndKind),
		X: x1, W: x2 - x1, Y: y + 2, H: svgRowH - 4, Fill: endColour[c.EndKind], Title: connTitle(r, c)}
	for _, st := range c.Stalls {
		row.Stalls = append(row.Stalls, svgPoint{X: x(st), Y: float64(y) + float64(svgRowH)/2, Title: c.ID + " stalled at " + rel(r, st)})
	}
	if c.Dropped() {
		dx, dy := x(end), float64(y)+float64(svgRowH)/2
		row.Drop = &svgPoint{X: dx, Y: dy,
			D:     fmt.Sprintf("M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f", dx-4, dy-4, dx+4, dy+4, dx-4, dy+4, dx+4, dy-4),
			Title: c.ID + " dropped at " + rel(r, end) + " (" + orDash(c.Cause) + ") " + dropAttribution(r, c)}
	}
	return row
}
