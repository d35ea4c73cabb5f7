package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func qual(results ...ScenarioResult) *QualificationReport {
	q := Qualify(QualificationReport{Profile: "manifests"}, nil)
	q.Results = results
	q.Summary = Summary{}
	for _, r := range results {
		switch r.Result {
		case ResultPass:
			q.Summary.Passed++
		case ResultNotRun:
			q.Summary.NotRun++
		case ResultIncomplete:
			q.Summary.Incomplete++
		case ResultSkipped:
			q.Summary.Skipped++
		default:
			q.Summary.Failed++
		}
	}
	q.Summary.Result = ResultPass
	if q.Summary.Failed > 0 {
		q.Summary.Result = ResultFail
	}
	return &q
}

func matrixFixture() MatrixReport {
	held := true
	good := ScenarioResult{Name: "gateway-rollout-ssh", Kind: KindScenario, Result: ResultPass}
	twin := ScenarioResult{Name: "gateway-rollout-ssh-nodrain", Kind: KindNegativeControl, Result: ResultPass, ControlHeld: &held}
	return MatrixReport{
		Labels:    "suite=smoke",
		Scenarios: []string{"gateway-rollout-ssh-nodrain", "gateway-rollout-ssh"},
		Cells: []MatrixCell{
			{Name: "manifests@v1.33.13", Profile: "manifests", Kubernetes: "v1.33.13", Dir: "manifests@v1.33.13", Qualification: qual(good, twin)},
			{Name: "manifests@v1.35.4", Profile: "manifests", Kubernetes: "v1.35.4", Dir: "manifests@v1.35.4",
				NotRun: "air-gapped node image: kubernetes v1.35.4 cannot be built here: the module proxy refused k8s.io/x@v0.35.4"},
		},
		Reproduce: "drainproof matrix --k8s v1.33.13,v1.35.4 --labels suite=smoke --out _out/m",
	}
}

// A cell that could not run is NOT RUN with its reason, and never makes the matrix as expected.
func TestMatrixNotRunCellIsNeverAPass(t *testing.T) {
	m := matrixFixture()
	if !m.Cells[0].Expected() || m.Cells[1].Expected() || m.Expected() {
		t.Fatalf("expected: cell0 %v cell1 %v matrix %v", m.Cells[0].Expected(), m.Cells[1].Expected(), m.Expected())
	}
	if got := m.Unexpected(); len(got) != 1 || got[0] != "manifests@v1.35.4: NOT RUN" {
		t.Fatalf("unexpected cells %v", got)
	}
	m.Cells = m.Cells[:1]
	if !m.Expected() {
		t.Fatal("one cell, all passed and its control held: as expected")
	}
	if (MatrixReport{}).Expected() {
		t.Fatal("a matrix with no cell is never as expected")
	}
}

func TestMatrixCellNotAsExpected(t *testing.T) {
	for name, r := range map[string]ScenarioResult{
		"fail":       {Name: "s", Result: ResultFail},
		"incomplete": {Name: "s", Result: ResultIncomplete},
		"not-run":    {Name: "s", Result: ResultNotRun},
	} {
		c := MatrixCell{Name: "c", Qualification: qual(ScenarioResult{Name: "ok", Result: ResultPass}, r)}
		if c.Expected() {
			t.Errorf("a cell with a %s scenario is as expected", name)
		}
	}
	c := MatrixCell{Name: "c", Qualification: qual(ScenarioResult{Name: "x", Result: ResultSkipped})}
	if c.Expected() {
		t.Error("a cell where nothing passed (all skipped) is as expected")
	}
}

func TestMatrixMarkdownLinksEachCellToItsRun(t *testing.T) {
	var b bytes.Buffer
	if err := MarkdownMatrix(&b, matrixFixture()); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"# drainproof matrix — NOT as expected: manifests@v1.35.4: NOT RUN",
		"| scenario | manifests@v1.33.13 | manifests@v1.35.4 |",
		"[pass](manifests@v1.33.13/gateway-rollout-ssh/report.html)",
		"[pass (control)](manifests@v1.33.13/gateway-rollout-ssh-nodrain/report.html)",
		"| **cell** | [**pass**](manifests@v1.33.13/qualification.yaml) | **NOT RUN** |",
		"- **manifests@v1.35.4** not run: air-gapped node image: kubernetes v1.35.4 cannot be built here: the module proxy refused k8s.io/x@v0.35.4",
		"Reproduce: `drainproof matrix --k8s v1.33.13,v1.35.4 --labels suite=smoke --out _out/m`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("matrix.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "[NOT RUN]") {
		t.Error("a NOT RUN entry links to a run that does not exist")
	}
}

func TestWriteMatrixWritesEveryFile(t *testing.T) {
	dir := t.TempDir()
	if err := WriteMatrix(dir, matrixFixture()); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"matrix.json", "matrix.md", "summary.md", "matrix.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	page, _ := os.ReadFile(filepath.Join(dir, "matrix.html"))
	for _, want := range []string{`<th>manifests@v1.35.4</th>`, `<a href="manifests@v1.33.13/gateway-rollout-ssh/report.html">pass</a>`,
		`<span title="air-gapped node image: kubernetes v1.35.4`, "NOT RUN"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("matrix.html lacks %q:\n%s", want, page)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "matrix.md"))
	sum, _ := os.ReadFile(filepath.Join(dir, "summary.md"))
	if !bytes.Equal(md, sum) {
		t.Error("summary.md differs from matrix.md")
	}
}
