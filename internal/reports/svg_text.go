package reports

// The timeline's words: drop attributions, the request strip, marker labels placed in lanes, connection titles.

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/verdict"
)

// dropAttribution says which pod carried a dropped connection and what it
// is attributed to, from the verdict's Drop with the same Seq.
func dropAttribution(r Result, c verdict.Conn) string {
	for _, d := range r.Verdict.DropDetails {
		if d.Seq == c.DropSeq {
			return "carried by " + orDash(d.Pod) + "; " + attribution(r, d)
		}
	}
	return ""
}

// requestStrip draws requests and hits per second (grey) with the failed
// part (red) at the bottom of each bar, on the same axis as the rows.
func requestStrip(r Result, reqs []ledger.Event, lo, hi time.Time, y int, x func(time.Time) float64) svgStrip {
	origin := r.Verdict.Timeline.Origin
	type bucket struct{ total, failed int }
	buckets := map[int64]*bucket{}
	failed, peak := 0, 1
	for _, e := range reqs {
		k := int64(math.Floor(float64(e.Time.Sub(origin)) / float64(time.Second)))
		b := buckets[k]
		if b == nil {
			b = &bucket{}
			buckets[k] = b
		}
		b.total++
		if !verdict.RequestOK(e) {
			b.failed++
			failed++
		}
		if b.total > peak {
			peak = b.total
		}
	}
	keys := make([]int64, 0, len(buckets))
	for k := range buckets {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	s := svgStrip{LabelX: svgLabelW - 4, LabelY: y + svgStripH/2 + 4,
		Label: fmt.Sprintf("requests/s (%d of %d failed)", failed, len(reqs))}
	base, h := float64(y+svgStripH-3), float64(svgStripH-6)
	for _, k := range keys {
		b := buckets[k]
		from := origin.Add(time.Duration(k) * time.Second)
		to := from.Add(time.Second)
		if to.Before(lo) || from.After(hi) {
			continue
		}
		x1, x2 := x(from), x(to)
		bh := h * float64(b.total) / float64(peak)
		eh := h * float64(b.failed) / float64(peak)
		s.Bars = append(s.Bars, svgBar{X: x1 + 0.5, W: math.Max(x2-x1-1, 1), Y: base - bh, H: bh, ErrY: base - eh, ErrH: eh,
			Title: fmt.Sprintf("%s..%s: %d requests, %d failed", tickLabel(time.Duration(k)*time.Second), tickLabel(time.Duration(k+1)*time.Second), b.total, b.failed)})
	}
	return s
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

func connTitle(r Result, c verdict.Conn) string {
	end := "still open at the end of the ledger"
	if c.End != nil {
		end = string(c.EndKind) + " at " + rel(r, *c.End)
		if c.Cause != "" {
			end += " (" + string(c.Cause) + ")"
		}
	}
	s := fmt.Sprintf("%s peer %s, carried by %s: established %s, %s", c.ID, orDash(c.Peer), orDash(c.Pod), rel(r, c.Start), end)
	if n := len(c.Stalls); n > 0 {
		s += fmt.Sprintf(", %d stall(s)", n)
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
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
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
