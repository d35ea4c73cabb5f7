package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/verdict"
)

// Caps keep summaries short; counts stay exact.
const (
	mdMaxDrops    = 20
	mdMaxTimeline = 60
)

// Markdown writes a human summary: one run, or several with an overview first.
func Markdown(w io.Writer, rs ...Result) error {
	var b strings.Builder
	level := "#"
	if len(rs) != 1 {
		ok := 0
		for _, r := range rs {
			if OutcomeOf(r).OK {
				ok++
			}
		}
		fmt.Fprintf(&b, "# drainproof: %d runs — %s (%d as expected, %d not)\n\n", len(rs), suiteOutcome(rs), ok, len(rs)-ok)
		b.WriteString("| scenario | twin of | outcome | connections | drops |\n|---|---|---|---:|---:|\n")
		for _, r := range rs {
			fmt.Fprintf(&b, "| %s | %s | %s | %d | %d |\n", cell(runName(r)), cell(orDash(r.Run.TwinOf)), OutcomeOf(r).Word+StandInSuffix(r), r.Verdict.Connections, r.Verdict.Drops)
		}
		b.WriteString("\n")
		level = "##"
	}
	for _, r := range rs {
		markdownRun(&b, r, level)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func markdownRun(b *strings.Builder, r Result, h string) {
	v := r.Verdict
	fmt.Fprintf(b, "%s drainproof: %s — %s%s\n\n", h, runName(r), OutcomeOf(r).Word, StandInSuffix(r))
	if rs := v.IncompleteReasons; len(rs) > 0 {
		if v.Outcome == verdict.NotRun {
			b.WriteString("**NOT RUN**: this scenario could not be run here, nothing was judged:\n\n")
		} else {
			b.WriteString("**INCOMPLETE**: this run cannot be judged, whatever its checks say:\n\n")
		}
		for _, reason := range rs {
			fmt.Fprintf(b, "- %s\n", reason)
		}
		b.WriteString("\n")
	}
	if r.Run.Description != "" {
		fmt.Fprintf(b, "%s\n\n", r.Run.Description)
	}
	b.WriteString("| | |\n|---|---|\n")
	row := func(k, val string) {
		if val != "" {
			fmt.Fprintf(b, "| %s | %s |\n", k, val)
		}
	}
	row("scenario", cell(runName(r)))
	row("known-bad twin of", cell(r.Run.TwinOf))
	row("profile", cell(r.Run.Profile))
	if r.Run.DataPlane != nil {
		row("data plane", cell(r.Run.DataPlane.String()))
	}
	for _, p := range r.Run.ProbesNotRun {
		row("not run", cell(p.String()))
	}
	row("scenario file", cell(scenarioFileText(r.Run)))
	row("cluster", cell(r.Run.Cluster))
	row("namespace", cell(r.Run.Namespace))
	if !r.Run.Started.IsZero() {
		row("started", r.Run.Started.UTC().Format("2006-01-02T15:04:05Z"))
	}
	if d := r.Run.Duration(); d > 0 {
		row("duration", secs(d))
	}
	if len(r.Run.Command) > 0 {
		row("reproduce", "`"+cell(shellQuote(r.Run.Command))+"`")
	}
	row("times relative to", originText(r))
	if r.Run.Evidence != "" {
		row("evidence", "pods, events and container logs kept in `"+cell(r.Run.Evidence)+"/`")
	}
	b.WriteString("\n")
	if env := r.Run.Env.rows(); len(env) > 0 {
		fmt.Fprintf(b, "%s# Tested with\n\n| | |\n|---|---|\n", h)
		for _, kv := range env {
			fmt.Fprintf(b, "| %s | %s |\n", kv[0], cell(kv[1]))
		}
		b.WriteString("\n")
	}

	fmt.Fprintf(b, "%s# Counts\n\n", h)
	b.WriteString("| connections | drops | stalls | dial failures | requests | errors | worst success ratio | outbound in drain window |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	ratio, outbound := "—", "—"
	if s := v.SuccessRatio; s != nil {
		ratio = fmt.Sprintf("%.3f", s.Worst)
	}
	if o := v.Outbound; o != nil {
		outbound = fmt.Sprintf("%d/%d", o.Succeeded, o.InWindow)
	}
	fmt.Fprintf(b, "| %d | %d | %d | %d | %d | %d | %s | %s |\n\n", v.Connections, v.Drops, v.Stalls, v.DialFailures, v.Requests, v.Errors, ratio, outbound)

	if len(v.Latency) > 0 {
		fmt.Fprintf(b, "%s# Latency\n\n| probe | measured | count | p50 | p90 | p99 | max |\n|---|---|---:|---:|---:|---:|---:|\n", h)
		for _, l := range v.Latency {
			fmt.Fprintf(b, "| %s |\n", strings.Join(latencyCells(l), " | "))
		}
		b.WriteString("\n")
	}

	fmt.Fprintf(b, "%s# Checks\n\n| check | result | pod | finding |\n|---|---|---|---|\n", h)
	rows := checkRows(r)
	for _, c := range rows {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", c.Check, markdownResult(c), cell(c.Pod), cell(c.Message))
	}
	b.WriteString("\n")
	for _, c := range rows {
		if len(c.Drops) == 0 {
			continue
		}
		fmt.Fprintf(b, "<details><summary>%s: %s</summary>\n\n| conn | at | cause | attributed to |\n|---|---:|---|---|\n", cell(c.Pod), plural(len(c.Drops), "dropped connection"))
		for i, d := range c.Drops {
			if i == mdMaxDrops {
				fmt.Fprintf(b, "\n… and %d more (all in %s).\n", len(c.Drops)-mdMaxDrops, VerdictFile)
				break
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", cell(d[0]), d[1], cell(d[2]), cell(d[3]))
		}
		b.WriteString("\n</details>\n\n")
	}

	if len(v.Pods) > 0 {
		fmt.Fprintf(b, "%s# Pods\n\n| pod | ip | connections | drops | deleting | drain time | linger |\n|---|---|---:|---:|---:|---:|---:|\n", h)
		for _, p := range v.Pods {
			fmt.Fprintf(b, "| %s | %s | %d | %d | %s | %s | %s |\n", cell(p.Pod), cell(orDash(p.IP)), p.Connections, p.Drops,
				relPtr(r, p.Deleting), durPtr(p.DrainTime), durPtr(p.Linger))
		}
		b.WriteString("\n")
	}

	markdownDrainFacts(b, r, h)

	lines := timelineLines(r)
	if len(lines) > 0 {
		fmt.Fprintf(b, "%s# Timeline\n\nPod events and drops, relative to %s.\n\n```\n", h, originText(r))
		for i, l := range lines {
			if i == mdMaxTimeline {
				fmt.Fprintf(b, "… %d more lines\n", len(lines)-mdMaxTimeline)
				break
			}
			b.WriteString(l + "\n")
		}
		b.WriteString("```\n\n")
	}
}

// markdownResult is a check row's result, failures in bold.
func markdownResult(c checkRow) string {
	if c.Class == "bad" {
		return "**" + c.Result + "**"
	}
	return c.Result
}

// passWord is a finding's result as the run's reader should take it.
func passWord(r Result, f verdict.Finding) string {
	switch {
	case f.Pass:
		return "pass"
	case f.Check == verdict.CheckComplete && r.Verdict.Outcome == verdict.NotRun:
		return "**NOT RUN**"
	case f.Check == verdict.CheckComplete:
		return "**INCOMPLETE**"
	case r.Verdict.Outcome == verdict.Incomplete:
		return "not judged (incomplete run)"
	case r.Verdict.Control != nil && f.Check != verdict.CheckControl:
		return "fail (expected)"
	}
	return "**FAIL**"
}

func attribution(r Result, d verdict.Drop) string {
	if d.Pod == "" {
		return "unattributed"
	}
	if d.PodEvent == "" {
		return "no pod event before it"
	}
	return fmt.Sprintf("%s at %s", d.PodEvent, relPtr(r, d.PodEventTime))
}

// timelineLines lists disruptions and pod events (not creations) with the
// drops between them; consecutive drops of one pod collapse into one line.
func timelineLines(r Result) []string {
	carrier := map[int64]string{} // a drop event's Seq → the pod the verdict attributed it to
	for _, d := range r.Verdict.DropDetails {
		carrier[d.Seq] = d.Pod
	}
	var out []string
	type group struct {
		pod, first, last string
		n                int
		causes           map[string]int
	}
	var g *group
	flush := func() {
		if g == nil {
			return
		}
		line := fmt.Sprintf("%-9s %s on %s (%s)", g.first, plural(g.n, "drop"), orDash(g.pod), causeList(g.causes))
		if g.last != g.first {
			line += " until " + g.last
		}
		out = append(out, line)
		g = nil
	}
	for _, e := range r.Verdict.Timeline.Entries(r.Events) {
		ev := e.Event
		switch {
		case ev.Kind == ledger.Drop:
			pod := carrier[ev.Seq]
			if g != nil && g.pod != pod {
				flush()
			}
			if g == nil {
				g = &group{pod: pod, first: rel(r, ev.Time), causes: map[string]int{}}
			}
			g.n++
			g.last = rel(r, ev.Time)
			g.causes[orDash(ev.Cause)]++
		case ev.Kind == ledger.DisruptionStart || ev.Kind == ledger.DisruptionDone || ev.Kind == ledger.Incomplete || ev.Kind == ledger.PodReady ||
			ev.Kind == ledger.PodNotReady || isMarkerKind(ev.Kind):
			flush()
			out = append(out, fmt.Sprintf("%-9s %s", rel(r, ev.Time), describe(ev)))
		}
	}
	flush()
	return out
}

func causeList(c map[string]int) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, c[k])
	}
	return strings.Join(parts, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func orDash[S ~string](s S) string {
	if s == "" {
		return "—"
	}
	return string(s)
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// markdownDrainFacts lists, per pod, the live spec facts that decide its
// drain (grace, preStops, sidecar form, Istio's drain settings) as the run
// engine recorded them just before the disruption.
func markdownDrainFacts(b *strings.Builder, r Result, h string) {
	var facts []ledger.Event
	for _, e := range r.Events {
		if e.Kind == ledger.Note && e.Probe == "facts" && e.Pod != "" {
			facts = append(facts, e)
		}
	}
	if len(facts) == 0 {
		return
	}
	fmt.Fprintf(b, "%s# Drain facts (live pods at the disruption)\n\n| pod | fact | value |\n|---|---|---|\n", h)
	for _, e := range facts {
		keys := make([]string, 0, len(e.Detail))
		for k := range e.Detail {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(b, "| %s | %s | %s |\n", cell(e.Pod), cell(k), cell(e.Detail[k]))
		}
	}
	b.WriteString("\n")
}
