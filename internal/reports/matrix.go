package reports

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// The matrix report's files (in the matrix's output directory): matrix.json, matrix.md (also as
// summary.md, what CI shows as the job summary) and matrix.html.
const (
	MatrixFile = "matrix"
)

// MatrixCell is one column of a matrix: a profile on one Kubernetes version, with its
// qualification report (written in Dir), or the reason it could not run.
type MatrixCell struct {
	Name       string `json:"name"` // "manifests@v1.33.13"
	Profile    string `json:"profile"`
	Kubernetes string `json:"kubernetes"`
	Cluster    string `json:"cluster,omitempty"`
	Dir        string `json:"dir"` // the cell's reports, relative to the matrix directory
	// NotRun is why the cell could not run here (its cluster could not be made, its images not
	// built or pulled): never a pass.
	NotRun        string               `json:"notRun,omitempty"`
	Qualification *QualificationReport `json:"qualification,omitempty"`
}

// Cell status words of the matrix (besides a scenario's own result).
const (
	CellNotRun = "NOT RUN"
)

// Expected says whether the cell came out as it must: it ran, no scenario failed, was
// incomplete or could not run (a known-bad twin passes when its control held), and at least
// one passed. Scenarios of the profile the selection left out (skipped) do not count.
func (c MatrixCell) Expected() bool {
	if c.NotRun != "" || c.Qualification == nil {
		return false
	}
	s := c.Qualification.Summary
	return s.Failed == 0 && s.Incomplete == 0 && s.NotRun == 0 && s.Passed > 0
}

// Status is the cell's one word: NOT RUN, or its qualification's summary result.
func (c MatrixCell) Status() string {
	if c.NotRun != "" || c.Qualification == nil {
		return CellNotRun
	}
	return c.Qualification.Summary.Result
}

// Result is the scenario's result in this cell ("" when the cell has no such scenario).
func (c MatrixCell) Result(scenario string) (ScenarioResult, bool) {
	if c.Qualification == nil {
		return ScenarioResult{}, false
	}
	for _, r := range c.Qualification.Results {
		if r.Name == scenario {
			return r, true
		}
	}
	return ScenarioResult{}, false
}

// MatrixReport is a whole matrix: rows are scenarios, columns cells.
type MatrixReport struct {
	Kind      string       `json:"kind"` // "MatrixReport"
	Labels    string       `json:"labels,omitempty"`
	Scenarios []string     `json:"scenarios"`
	Cells     []MatrixCell `json:"cells"`
	Reproduce string       `json:"reproduce,omitempty"`
}

// Expected says whether every cell came out as it must (see MatrixCell.Expected).
func (m MatrixReport) Expected() bool {
	if len(m.Cells) == 0 {
		return false
	}
	for _, c := range m.Cells {
		if !c.Expected() {
			return false
		}
	}
	return true
}

// Unexpected lists the cells that did not come out as they must, with their status.
func (m MatrixReport) Unexpected() []string {
	var out []string
	for _, c := range m.Cells {
		if !c.Expected() {
			out = append(out, c.Name+": "+c.Status())
		}
	}
	return out
}

// matrixEntry is what one grid entry shows: a word, its link (a run's report.html), a note.
type matrixEntry struct {
	Word, Link, Note string
}

// entry is the grid entry of scenario in cell c: the scenario's result there linking to its run,
// "NOT RUN" with the cell's reason, or "—" when the cell has no such scenario.
func (m MatrixReport) entry(c MatrixCell, scenario string) matrixEntry {
	if c.NotRun != "" {
		return matrixEntry{Word: CellNotRun, Note: c.NotRun}
	}
	r, ok := c.Result(scenario)
	if !ok {
		return matrixEntry{Word: "—", Note: "not in this cell's profile"}
	}
	word := r.Result
	if r.Kind == KindNegativeControl && (r.Result == ResultPass || r.Result == ResultFail) {
		word += " (control)"
	}
	e := matrixEntry{Word: word, Note: r.Message}
	if r.Result != ResultSkipped && r.Result != ResultNotRun {
		e.Link = path.Join(filepath.ToSlash(c.Dir), scenario, "report.html")
	}
	return e
}

// MarkdownMatrix renders the grid as Markdown (GitHub's job summary).
func MarkdownMatrix(w io.Writer, m MatrixReport) error {
	var b strings.Builder
	verdict := "every cell as expected"
	if !m.Expected() {
		verdict = "NOT as expected: " + strings.Join(m.Unexpected(), "; ")
	}
	fmt.Fprintf(&b, "# drainproof matrix — %s\n\n", verdict)
	if m.Labels != "" {
		fmt.Fprintf(&b, "Scenarios: `%s`. ", m.Labels)
	}
	fmt.Fprintf(&b, "%d scenarios × %d cells.\n\n", len(m.Scenarios), len(m.Cells))
	b.WriteString("| scenario |")
	for _, c := range m.Cells {
		fmt.Fprintf(&b, " %s |", cell(c.Name))
	}
	b.WriteString("\n|---|")
	for range m.Cells {
		b.WriteString("---|")
	}
	b.WriteString("\n| **cell** |")
	for _, c := range m.Cells {
		link := path.Join(filepath.ToSlash(c.Dir), QualificationFile+".yaml")
		if c.NotRun != "" {
			fmt.Fprintf(&b, " **%s** |", CellNotRun)
		} else {
			fmt.Fprintf(&b, " [**%s**](%s) |", cell(c.Status()), link)
		}
	}
	b.WriteString("\n")
	for _, s := range m.Scenarios {
		fmt.Fprintf(&b, "| %s |", cell(s))
		for _, c := range m.Cells {
			e := m.entry(c, s)
			if e.Link != "" {
				fmt.Fprintf(&b, " [%s](%s) |", cell(e.Word), e.Link)
			} else {
				fmt.Fprintf(&b, " %s |", cell(e.Word))
			}
		}
		b.WriteString("\n")
	}
	var notes []string
	for _, c := range m.Cells {
		if c.NotRun != "" {
			notes = append(notes, fmt.Sprintf("- **%s** not run: %s", c.Name, c.NotRun))
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n" + strings.Join(notes, "\n") + "\n")
	}
	if m.Reproduce != "" {
		fmt.Fprintf(&b, "\nReproduce: `%s`\n", m.Reproduce)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var matrixHTML = template.Must(template.New("matrix").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>drainproof matrix</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
.ok{background:#e6f4ea}.bad{background:#fce8e6}.none{color:#888}
</style></head><body>
<h1>drainproof matrix — {{.Verdict}}</h1>
{{if .Labels}}<p>Scenarios: <code>{{.Labels}}</code></p>{{end}}
<table>
<tr><th>scenario</th>{{range .Names}}<th>{{.}}</th>{{end}}</tr>
<tr><th>cell</th>{{range .Head}}<td class="{{.Class}}">{{if .Link}}<a href="{{.Link}}">{{.Word}}</a>{{else}}<span title="{{.Note}}">{{.Word}}</span>{{end}}</td>{{end}}</tr>
{{range .Rows}}<tr><td>{{.Scenario}}</td>{{range .Entries}}<td class="{{.Class}}" title="{{.Note}}">{{if .Link}}<a href="{{.Link}}">{{.Word}}</a>{{else}}{{.Word}}{{end}}</td>{{end}}</tr>
{{end}}</table>
{{range .NotRun}}<p><b>{{.Name}}</b> not run: {{.NotRun}}</p>{{end}}
{{if .Reproduce}}<p>Reproduce: <code>{{.Reproduce}}</code></p>{{end}}
</body></html>
`))

type htmlEntry struct{ Word, Link, Note, Class string }

// HTMLMatrix renders the grid as a page, each entry linking to its run's report.html.
func HTMLMatrix(w io.Writer, m MatrixReport) error {
	class := func(word string) string {
		switch {
		case word == ResultPass || word == ResultPass+" (control)" || word == ResultPassStandIn || word == ResultPartial:
			return "ok"
		case word == "—" || word == ResultSkipped:
			return "none"
		}
		return "bad"
	}
	type row struct {
		Scenario string
		Entries  []htmlEntry
	}
	v := struct {
		Verdict, Labels, Reproduce string
		Names                      []string
		Head                       []htmlEntry
		Rows                       []row
		NotRun                     []MatrixCell
	}{Verdict: "every cell as expected", Labels: m.Labels, Reproduce: m.Reproduce}
	if !m.Expected() {
		v.Verdict = "NOT as expected"
	}
	for _, c := range m.Cells {
		v.Names = append(v.Names, c.Name)
		e := htmlEntry{Word: c.Status(), Class: "bad", Note: c.NotRun}
		if c.Expected() {
			e.Class = "ok"
		}
		if c.NotRun == "" {
			e.Link = path.Join(filepath.ToSlash(c.Dir), "report.html")
		} else {
			v.NotRun = append(v.NotRun, c)
		}
		v.Head = append(v.Head, e)
	}
	for _, s := range m.Scenarios {
		r := row{Scenario: s}
		for _, c := range m.Cells {
			e := m.entry(c, s)
			r.Entries = append(r.Entries, htmlEntry{Word: e.Word, Link: e.Link, Note: e.Note, Class: class(e.Word)})
		}
		v.Rows = append(v.Rows, r)
	}
	return matrixHTML.Execute(w, v)
}

// WriteMatrix writes matrix.json, matrix.md, summary.md (the same Markdown) and matrix.html in
// dir. Scenarios are sorted; cells keep their order.
func WriteMatrix(dir string, m MatrixReport) error {
	m.Kind = "MatrixReport"
	sort.Strings(m.Scenarios)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name   string
		render func(io.Writer) error
	}{
		{MatrixFile + ".json", func(w io.Writer) error {
			e := json.NewEncoder(w)
			e.SetIndent("", "  ")
			return e.Encode(m)
		}},
		{MatrixFile + ".md", func(w io.Writer) error { return MarkdownMatrix(w, m) }},
		{SummaryFile, func(w io.Writer) error { return MarkdownMatrix(w, m) }},
		{MatrixFile + ".html", func(w io.Writer) error { return HTMLMatrix(w, m) }},
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.render); err != nil {
			return err
		}
	}
	return nil
}
