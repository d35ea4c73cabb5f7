package reports

import (
	"html/template"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/drainproof/drainproof/internal/verdict"
)

// pageView is report.html's data: html/template escapes all of it.
type pageView struct {
	Title   string
	Outcome verdict.Outcome
	OK      bool
	Suite   []suiteRow // several runs: the overview
	Runs    []runView
}

type suiteRow struct {
	ID, Name, TwinOf   string
	Outcome            verdict.Outcome
	OK                 bool
	Connections, Drops int
}

type runView struct {
	StandIn     string // StandInSuffix: a stand-in data plane qualifies the headline
	ID          string
	Name        string
	Outcome     verdict.Outcome
	OK          bool
	Incomplete  []string
	NotRun      bool // the outcome is NOT RUN: Incomplete says what could not be had
	Description string
	Meta        [][2]string
	Env         [][2]string
	Evidence    string // link to the evidence directory, "" when none
	Counts      verdict.Verdict
	Latency     [][]string
	Timelines   []timelineView
	Checks      []checkRow
	Pods        [][]string
}

// checkRow is one line of Checks; a pod's drops are one row with each
// dropped connection folded under it.
type checkRow struct {
	Check, Result, Class, Pod, Message string
	Evidence                           string // events, one a line
	EvidenceN                          int
	Drops                              [][]string // conn, at, cause, attributed to
}

// HTML writes a self-contained page (inline CSS, inline SVG, no scripts):
// per run its outcome, what it was tested with, counts, latency, checks
// with evidence, pods and SVG timelines (a zoom and the whole run).
func HTML(w io.Writer, rs ...Result) error {
	p := pageView{Title: "drainproof report"}
	if len(rs) == 1 {
		p.Outcome = rs[0].Verdict.Outcome
		p.Title = "drainproof: " + runName(rs[0])
	} else {
		p.Outcome = suiteOutcome(rs)
		p.Title = "drainproof: " + plural(len(rs), "run")
		for i, r := range rs {
			p.Suite = append(p.Suite, suiteRow{ID: runID(i), Name: runName(r), TwinOf: orDash(r.Run.TwinOf), Outcome: r.Verdict.Outcome,
				OK: r.Verdict.Outcome.OK(), Connections: r.Verdict.Connections, Drops: r.Verdict.Drops})
		}
	}
	p.OK = p.Outcome.OK()
	for i, r := range rs {
		dir := ""
		if len(rs) > 1 { // the suite page sits above each run's directory
			dir = runName(r)
		}
		p.Runs = append(p.Runs, htmlRun(i, r, dir))
	}
	return pageTemplate.Execute(w, p)
}

func runID(i int) string { return "run-" + strconv.Itoa(i) }

func htmlRun(i int, r Result, dir string) runView {
	v := r.Verdict
	rv := runView{ID: runID(i), Name: runName(r), Outcome: v.Outcome, StandIn: StandInSuffix(r), OK: v.Outcome.OK(), Incomplete: v.IncompleteReasons, NotRun: v.Outcome == verdict.NotRun,
		Description: r.Run.Description, Counts: v, Timelines: timelineViews(r), Env: r.Run.Env.rows()}
	for _, kv := range [][2]string{
		{"known-bad twin of", r.Run.TwinOf}, {"profile", r.Run.Profile}, {"data plane", dataPlaneText(r.Run.DataPlane)},
		{"scenario file", scenarioFileText(r.Run)}, {"cluster", r.Run.Cluster}, {"namespace", r.Run.Namespace},
		{"reproduce", shellQuote(r.Run.Command)}, {"times relative to", originText(r)},
	} {
		if kv[1] != "" {
			rv.Meta = append(rv.Meta, kv)
		}
	}
	for _, p := range r.Run.ProbesNotRun {
		rv.Meta = append(rv.Meta, [2]string{"not run", p.String()})
	}
	if d := r.Run.Duration(); d > 0 {
		rv.Meta = append(rv.Meta, [2]string{"duration", secs(d)})
	}
	if r.Run.Evidence != "" {
		rv.Evidence = path.Join(dir, r.Run.Evidence) + "/"
	}
	for _, l := range v.Latency {
		rv.Latency = append(rv.Latency, latencyCells(l))
	}
	rv.Checks = checkRows(r)
	for _, p := range v.Pods {
		rv.Pods = append(rv.Pods, []string{p.Pod, orDash(p.IP), strconv.Itoa(p.Connections), strconv.Itoa(p.Drops), relPtr(r, p.Deleting), durPtr(p.DrainTime), durPtr(p.Linger)})
	}
	return rv
}

// checkRows lists the findings; the per-connection drop findings become one
// row per carrying pod with the connections folded under it.
func checkRows(r Result) []checkRow {
	v := r.Verdict
	var out []checkRow
	dropsDone := false
	evidenceOf := map[string]verdict.Finding{}
	for _, f := range v.Findings {
		if f.Check == verdict.CheckDrops && f.Conn != "" {
			evidenceOf[f.Conn] = f
		}
	}
	for _, f := range v.Findings {
		if f.Check == verdict.CheckDrops && f.Conn != "" {
			if dropsDone {
				continue
			}
			dropsDone = true
			for _, g := range dropsByPod(v) {
				row := checkRow{Check: f.Check, Pod: orDash(g.Pod), Message: g.summary(r)}
				row.Result, row.Class = resultCell(r, f)
				var ev []string
				for _, d := range g.Drops {
					row.Drops = append(row.Drops, []string{orDash(d.Conn), rel(r, d.Time), orDash(d.Cause), attribution(r, d)})
					if pf, ok := evidenceOf[d.Conn]; ok {
						ev = append(ev, "# "+pf.Message, evidenceText(r, pf))
					}
				}
				row.Evidence = strings.Join(ev, "\n")
				out = append(out, row)
			}
			continue
		}
		row := checkRow{Check: f.Check, Pod: orDash(f.Pod), Message: f.Message, EvidenceN: len(f.Evidence)}
		row.Result, row.Class = resultCell(r, f)
		if len(f.Evidence) > 0 {
			row.Evidence = evidenceText(r, f)
		}
		out = append(out, row)
	}
	return out
}

// resultCell is a finding's result word and its CSS class.
func resultCell(r Result, f verdict.Finding) (string, string) {
	word := passWord(r, f)
	switch {
	case f.Pass:
		return word, "ok"
	case word == "fail (expected)" || r.Verdict.Outcome == verdict.Incomplete && f.Check != verdict.CheckComplete:
		return strings.Trim(word, "*"), "expected"
	}
	return strings.Trim(word, "*"), "bad"
}

// dataPlaneText is "" (row omitted) when the run recorded no data plane.
func dataPlaneText(d *DataPlane) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// scenarioFileText is the scenario's file and digest, "" when unrecorded.
func scenarioFileText(r Run) string {
	s := r.ScenarioFile
	if r.ScenarioDigest != "" {
		s += " (" + r.ScenarioDigest + ")"
	}
	return strings.TrimSpace(s)
}

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

const pageHTML = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} — {{.Outcome}}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#212121}
h1{font-size:1.5em}h2{font-size:1.25em;margin-top:2em;border-top:1px solid #ddd;padding-top:1em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left;vertical-align:top}
td.n{text-align:right}.ok{color:#2e7d32;font-weight:bold}.bad{color:#c62828;font-weight:bold}
.expected{color:#ef6c00}pre{background:#f5f5f5;padding:.5em;overflow-x:auto;font-size:12px}
.legend span{display:inline-block;margin-right:1.2em}.legend i{display:inline-block;width:18px;height:8px;margin-right:4px}
svg.timeline{border:1px solid #ddd;background:#fff}.note{color:#666}details table{font-size:13px}</style></head><body>
<h1>{{.Title}} — <span class="{{if .OK}}ok{{else}}bad{{end}}">{{.Outcome}}</span></h1>
{{- if .Suite}}
<table><tr><th>scenario</th><th>twin of</th><th>outcome</th><th>connections</th><th>drops</th></tr>
{{- range .Suite}}
<tr><td><a href="#{{.ID}}">{{.Name}}</a></td><td>{{.TwinOf}}</td><td class="{{if .OK}}ok{{else}}bad{{end}}">{{.Outcome}}</td><td class="n">{{.Connections}}</td><td class="n">{{.Drops}}</td></tr>
{{- end}}
</table>
{{- end}}
{{range .Runs}}{{template "run" .}}{{end}}
</body></html>
{{define "run"}}<section class="run" id="{{.ID}}">
<h2>{{.Name}} — <span class="{{if .OK}}ok{{else}}bad{{end}}">{{.Outcome}}</span>{{.StandIn}}</h2>
{{- if .Incomplete}}
<p class="bad">{{if .NotRun}}NOT RUN: this scenario could not be run here, nothing was judged:{{else}}INCOMPLETE: this run cannot be judged, whatever its checks say:{{end}}</p>
<ul>{{range .Incomplete}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
{{- if .Description}}
<p>{{.Description}}</p>
{{- end}}
{{- if .Evidence}}
<p class="bad">Evidence kept from the namespace before it was deleted: <a href="{{.Evidence}}">{{.Evidence}}</a> (<a href="{{.Evidence}}pods.yaml">pods with status</a>, <a href="{{.Evidence}}events.yaml">events</a>, <a href="{{.Evidence}}logs/">container logs</a>, previous instances included).</p>
{{- end}}
<table>
{{- range .Meta}}
<tr><th>{{index . 0}}</th><td><code>{{index . 1}}</code></td></tr>
{{- end}}
</table>
{{- if .Env}}
<h3>Tested with</h3>
<table>
{{- range .Env}}
<tr><th>{{index . 0}}</th><td><code>{{index . 1}}</code></td></tr>
{{- end}}
</table>
{{- end}}
<table><tr><th>connections</th><th>drops</th><th>stalls</th><th>dial failures</th><th>requests</th><th>errors</th></tr>
<tr><td class="n">{{.Counts.Connections}}</td><td class="n">{{.Counts.Drops}}</td><td class="n">{{.Counts.Stalls}}</td><td class="n">{{.Counts.DialFailures}}</td><td class="n">{{.Counts.Requests}}</td><td class="n">{{.Counts.Errors}}</td></tr></table>
{{- if .Latency}}
<h3>Latency</h3>
<table><tr><th>probe</th><th>measured</th><th>count</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>
{{- range .Latency}}
<tr><td>{{index . 0}}</td><td>{{index . 1}}</td><td class="n">{{index . 2}}</td><td class="n">{{index . 3}}</td><td class="n">{{index . 4}}</td><td class="n">{{index . 5}}</td><td class="n">{{index . 6}}</td></tr>
{{- end}}
</table>
{{- end}}
<h3>Timeline</h3>
{{- range .Timelines}}
<p><b>{{.Caption}}</b></p>
{{template "timeline" .}}
{{- end}}
<p class="legend"><span><i style="background:#2e7d32"></i>closed by client</span><span><i style="background:#1565c0"></i>closed by server</span><span><i style="background:#c62828"></i>dropped (×)</span><span><i style="background:#9e9e9e"></i>still open</span><span><i style="background:#f9a825"></i>stall (●)</span><span>bars: requests per second, <b style="color:#c62828">failed</b></span><span>lines: <b style="color:#ef6c00">deleting</b>, <b style="color:#6a1b9a">endpoint removed</b>, <b>container exited</b>, <b style="color:#9e9e9e">gone</b></span></p>
<h3>Checks</h3>
<table><tr><th>check</th><th>result</th><th>pod</th><th>finding and evidence</th></tr>
{{- range .Checks}}
<tr><td>{{.Check}}</td><td class="{{.Class}}">{{.Result}}</td><td>{{.Pod}}</td><td>{{.Message}}
{{- if .Drops}}<details><summary>{{len .Drops}} dropped connections</summary><table><tr><th>conn</th><th>at</th><th>cause</th><th>attributed to</th></tr>{{range .Drops}}<tr><td>{{index . 0}}</td><td class="n">{{index . 1}}</td><td>{{index . 2}}</td><td>{{index . 3}}</td></tr>{{end}}</table>{{if .Evidence}}<pre>{{.Evidence}}</pre>{{end}}</details>
{{- else if .Evidence}}<details><summary>{{.EvidenceN}} events</summary><pre>{{.Evidence}}</pre></details>{{end}}</td></tr>
{{- end}}
</table>
{{- if .Pods}}
<h3>Pods</h3>
<table><tr><th>pod</th><th>ip</th><th>connections</th><th>drops</th><th>deleting</th><th>drain time</th><th>linger</th></tr>
{{- range .Pods}}
<tr><td>{{index . 0}}</td><td>{{index . 1}}</td><td class="n">{{index . 2}}</td><td class="n">{{index . 3}}</td><td class="n">{{index . 4}}</td><td class="n">{{index . 5}}</td><td class="n">{{index . 6}}</td></tr>
{{- end}}
</table>
{{- end}}
</section>
{{end}}
{{define "timeline"}}<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" font-family="monospace" font-size="{{.Font}}">
<title>{{.Title}}</title>
{{- range .Ticks}}
<line class="tick" x1="{{printf "%.1f" .X}}" y1="{{.Y1}}" x2="{{printf "%.1f" .X}}" y2="{{.Y2}}" stroke="#eee"/><text x="{{printf "%.1f" .X}}" y="{{.TextY}}" text-anchor="middle">{{.Text}}</text>
{{- end}}
<text x="{{.AxisX}}" y="{{.AxisY}}" text-anchor="end">{{.AxisText}}</text>
{{- range .Groups}}
<text class="pod-group" x="4" y="{{.Y}}" font-weight="bold"{{if .Bad}} fill="#c62828"{{end}}>{{.Text}}<title>{{.Title}}</title></text>
{{- end}}
{{- range .Rows}}
<text x="{{.LabelX}}" y="{{.LabelY}}" text-anchor="end">{{.Label}}</text><rect class="{{.Class}}" x="{{printf "%.1f" .X}}" y="{{.Y}}" width="{{printf "%.1f" .W}}" height="{{.H}}" fill="{{.Fill}}"><title>{{.Title}}</title></rect>
{{- range .Stalls}}<circle class="stall" cx="{{printf "%.1f" .X}}" cy="{{printf "%.1f" .Y}}" r="4" fill="#f9a825" stroke="#212121" stroke-width="0.5"><title>{{.Title}}</title></circle>{{end}}
{{- with .Drop}}<path class="drop-marker" d="{{.D}}" stroke="#b71c1c" stroke-width="2"><title>{{.Title}}</title></path>{{end}}
{{- end}}
{{- range .Strips}}
<text x="{{.LabelX}}" y="{{.LabelY}}" text-anchor="end">{{.Label}}</text>
{{- range .Bars}}<g class="per-second"><rect x="{{printf "%.1f" .X}}" y="{{printf "%.1f" .Y}}" width="{{printf "%.1f" .W}}" height="{{printf "%.1f" .H}}" fill="#bdbdbd"/>{{if .ErrH}}<rect class="errors" x="{{printf "%.1f" .X}}" y="{{printf "%.1f" .ErrY}}" width="{{printf "%.1f" .W}}" height="{{printf "%.1f" .ErrH}}" fill="#c62828"/>{{end}}<title>{{.Title}}</title></g>{{end}}
{{- range .Ticks}}<line class="{{.Class}}" x1="{{printf "%.1f" .X}}" y1="{{.Y1}}" x2="{{printf "%.1f" .X}}" y2="{{.Y2}}" stroke="{{.Stroke}}"><title>{{.Title}}</title></line>{{end}}
{{- end}}
{{- range .Markers}}
<g class="pod-event {{.Kind}}" data-pod="{{.Pod}}"><line x1="{{printf "%.1f" .X}}" y1="{{.Y1}}" x2="{{printf "%.1f" .X}}" y2="{{.Y2}}" stroke="{{.Stroke}}" stroke-dasharray="{{.Dash}}" stroke-width="{{.SW}}"/><text x="{{printf "%.1f" .TextX}}" y="{{.TextY}}" text-anchor="{{.Anchor}}">{{.Text}}</text><title>{{.Title}}</title></g>
{{- end}}
</svg>
{{- if .Note}}
<p class="note">{{.Note}}</p>
{{- end}}
{{end}}`
