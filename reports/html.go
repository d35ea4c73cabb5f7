package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/drainproof/drainproof/harness/verdict"
)

const htmlStyle = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#212121}
h1{font-size:1.5em}h2{font-size:1.25em;margin-top:2em;border-top:1px solid #ddd;padding-top:1em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}
td.n{text-align:right}.ok{color:#2e7d32;font-weight:bold}.bad{color:#c62828;font-weight:bold}
.expected{color:#ef6c00}pre{background:#f5f5f5;padding:.5em;overflow-x:auto;font-size:12px}
.legend span{display:inline-block;margin-right:1.2em}.legend i{display:inline-block;width:18px;height:8px;margin-right:4px}
svg.timeline{border:1px solid #ddd;background:#fff}.note{color:#666}`

// HTML writes a self-contained page (inline CSS, inline SVG, no scripts):
// per run its outcome, counts, checks with evidence, pods and an SVG timeline.
func HTML(w io.Writer, rs ...Result) error {
	var b strings.Builder
	title := "drainproof report"
	if len(rs) == 1 {
		title = "drainproof: " + runName(rs[0]) + " — " + OutcomeOf(rs[0]).Word
	}
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title>\n<style>%s</style></head><body>\n<h1>%s</h1>\n",
		esc(title), htmlStyle, esc(title))
	if len(rs) != 1 {
		b.WriteString("<table><tr><th>scenario</th><th>twin of</th><th>outcome</th><th>connections</th><th>drops</th></tr>\n")
		for i, r := range rs {
			fmt.Fprintf(&b, "<tr><td><a href=\"#run-%d\">%s</a></td><td>%s</td><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td></tr>\n",
				i, esc(runName(r)), esc(orDash(r.Run.TwinOf)), outcomeHTML(r), r.Verdict.Connections, r.Verdict.Drops)
		}
		b.WriteString("</table>\n")
	}
	for i, r := range rs {
		htmlRun(&b, i, r)
	}
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func outcomeHTML(r Result) string {
	o := OutcomeOf(r)
	class := "bad"
	if o.OK {
		class = "ok"
	}
	return fmt.Sprintf(`<span class="%s">%s</span>`, class, esc(o.Word))
}

func htmlRun(b *strings.Builder, i int, r Result) {
	v := r.Verdict
	fmt.Fprintf(b, "<section class=\"run\" id=\"run-%d\">\n<h2>%s — %s</h2>\n", i, esc(runName(r)), outcomeHTML(r))
	if rs := v.IncompleteReasons; len(rs) > 0 {
		b.WriteString("<p class=\"bad\">INCOMPLETE: this run cannot be judged, whatever its checks say:</p>\n<ul>\n")
		for _, reason := range rs {
			fmt.Fprintf(b, "<li>%s</li>\n", esc(reason))
		}
		b.WriteString("</ul>\n")
	}
	if r.Run.Description != "" {
		fmt.Fprintf(b, "<p>%s</p>\n", esc(r.Run.Description))
	}
	b.WriteString("<table>\n")
	for _, kv := range [][2]string{
		{"known-bad twin of", r.Run.TwinOf}, {"profile", r.Run.Profile}, {"data plane", dataPlaneText(r.Run.DataPlane)}, {"cluster", r.Run.Cluster},
		{"namespace", r.Run.Namespace}, {"reproduce", shellQuote(r.Run.Command)}, {"times relative to", originText(r)},
	} {
		if kv[1] != "" {
			fmt.Fprintf(b, "<tr><th>%s</th><td><code>%s</code></td></tr>\n", esc(kv[0]), esc(kv[1]))
		}
	}
	if d := r.Run.Duration(); d > 0 {
		fmt.Fprintf(b, "<tr><th>duration</th><td>%s</td></tr>\n", secs(d))
	}
	b.WriteString("</table>\n<table><tr><th>connections</th><th>drops</th><th>stalls</th><th>dial failures</th><th>requests</th><th>errors</th></tr>\n")
	fmt.Fprintf(b, "<tr><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td></tr></table>\n",
		v.Connections, v.Drops, v.Stalls, v.DialFailures, v.Requests, v.Errors)

	b.WriteString("<h3>Timeline</h3>\n")
	b.WriteString(svgTimeline(r))
	b.WriteString(`<p class="legend"><span><i style="background:#2e7d32"></i>closed by client</span><span><i style="background:#1565c0"></i>closed by server</span>` +
		`<span><i style="background:#c62828"></i>dropped (×)</span><span><i style="background:#9e9e9e"></i>still open</span>` +
		`<span><i style="background:#f9a825"></i>stall</span><span>lines: <b style="color:#ef6c00">deleting</b>, <b style="color:#6a1b9a">endpoint removed</b>, <b>container exited</b>, <b style="color:#9e9e9e">gone</b></span></p>` + "\n")

	b.WriteString("<h3>Checks</h3>\n<table><tr><th>check</th><th>result</th><th>pod</th><th>finding and evidence</th></tr>\n")
	for _, f := range v.Findings {
		word := passWord(r, f)
		class := "ok"
		if !f.Pass {
			class = "bad"
			if word == "fail (expected)" || r.Verdict.Outcome == verdict.Incomplete && f.Check != verdict.CheckComplete {
				class = "expected"
			}
		}
		fmt.Fprintf(b, "<tr><td>%s</td><td class=\"%s\">%s</td><td>%s</td><td>%s", esc(f.Check), class, esc(strings.Trim(word, "*")), esc(orDash(f.Pod)), esc(f.Message))
		if len(f.Evidence) > 0 {
			fmt.Fprintf(b, "<details><summary>%d events</summary><pre>%s</pre></details>", len(f.Evidence), esc(evidenceText(r, f)))
		}
		b.WriteString("</td></tr>\n")
	}
	b.WriteString("</table>\n")

	if len(v.Pods) > 0 {
		b.WriteString("<h3>Pods</h3>\n<table><tr><th>pod</th><th>ip</th><th>connections</th><th>drops</th><th>deleting</th><th>drain time</th><th>linger</th></tr>\n")
		for _, p := range v.Pods {
			fmt.Fprintf(b, "<tr><td>%s</td><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
				esc(p.Pod), esc(orDash(p.IP)), p.Connections, p.Drops, relPtr(r, p.Deleting), durPtr(p.DrainTime), durPtr(p.Linger))
		}
		b.WriteString("</table>\n")
	}
	b.WriteString("</section>\n")
}

// dataPlaneText is "" (row omitted) when the run recorded no data plane.
func dataPlaneText(d *DataPlane) string {
	if d == nil {
		return ""
	}
	return d.String()
}
