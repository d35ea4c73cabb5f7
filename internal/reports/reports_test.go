package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/verdict"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./internal/reports -update and review the diff)\n--- got ---\n%s", name, got)
	}
}

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWriteRunMatchesGoldenFiles(t *testing.T) {
	for name, r := range map[string]Result{"good": goodRun(), "twin": twinRun(), "bad": badRun(), "incomplete": incompleteRun()} {
		dir := t.TempDir()
		if err := WriteResult(dir, r); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{VerdictFile, SummaryFile, JUnitFile} {
			golden(t, filepath.Join(name, f), readFile(t, dir, f))
		}
		for _, f := range []string{RunFile, HTMLFile} {
			if len(readFile(t, dir, f)) == 0 {
				t.Errorf("%s: %s is empty", name, f)
			}
		}
	}
}

func TestWriteSuiteMatchesGoldenFiles(t *testing.T) {
	dir := t.TempDir()
	if err := WriteSuite(dir, []Result{goodRun(), twinRun(), badRun(), incompleteRun()}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{SummaryFile, JUnitFile, VerdictsFile} {
		golden(t, filepath.Join("suite", f), readFile(t, dir, f))
	}
}

func TestSummaryTellsTheStory(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, twinRun()); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"# drainproof: gateway-rollout-ssh-nodrain — FAILED AS EXPECTED",
		"| known-bad twin of | gateway-rollout-ssh |",
		"| drainproof-1/gateway-7d9f-a | 10.244.1.5 | 3 | 3 | +0.900s |",                                      // per-pod table
		"| ssh-000 | +0.906s | eof | container-exited at +0.904s |",                                           // drop attribution, folded under its pod
		"| drops | fail (expected) | drainproof-1/gateway-7d9f-a | 3 drops from +0.906s to +0.910s (eof×3) |", // one row per pod
		"+0.900s   pod-deleting pod=drainproof-1/gateway-7d9f-a",
		"+0.906s   3 drops on drainproof-1/gateway-7d9f-a (eof×3) until +0.910s",
		"| drops | fail (expected) |",
		"| negative-control | pass |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q\n%s", want, md)
		}
	}
}

// junitDoc mirrors what CI systems read.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Props    []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, rs ...Result) junitDoc {
	t.Helper()
	var b bytes.Buffer
	if err := JUnit(&b, rs...); err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("junit.xml does not parse: %v\n%s", err, b.String())
	}
	return doc
}

func TestJUnitParsesAndCountsFailures(t *testing.T) {
	doc := parseJUnit(t, goodRun(), twinRun(), badRun())
	if len(doc.Suites) != 3 {
		t.Fatalf("%d testsuites, want one per run", len(doc.Suites))
	}
	good, twin, bad := doc.Suites[0], doc.Suites[1], doc.Suites[2]
	if good.Failures != 0 || twin.Failures != 0 {
		t.Errorf("good failures %d, held twin failures %d; want 0 and 0", good.Failures, twin.Failures)
	}
	// The regressed run: the drops check, and the workload role whose pods
	// carried the dropped connections (each drop folded into its body).
	if bad.Failures != 2 || doc.Failures != 2 || doc.Tests != good.Tests+twin.Tests+bad.Tests {
		t.Errorf("bad failures %d, total %d/%d", bad.Failures, doc.Failures, doc.Tests)
	}
	var sawDrop bool
	for _, c := range bad.Cases {
		if c.Failure != nil && c.Name == "drops/deployment/gateway" {
			sawDrop = true
			if c.Failure.Type != "drops" || !strings.Contains(c.Failure.Body, "drop ssh-000") || !strings.Contains(c.Failure.Body, "pod-deleting pod=drainproof-1/gateway-7d9f-a") {
				t.Errorf("drop failure lacks its evidence: %+v", c.Failure)
			}
		}
		if c.Classname != "drainproof.manifests.gateway-rollout-ssh-regressed" {
			t.Errorf("classname %q", c.Classname)
		}
	}
	if !sawDrop {
		t.Error("no failing test case for the drops of deployment/gateway")
	}
	names := map[string]bool{}
	for _, c := range bad.Cases {
		if names[c.Name] {
			t.Errorf("duplicate test case name %q", c.Name)
		}
		names[c.Name] = true
	}
	for _, c := range twin.Cases {
		if c.Name == "drops" && !strings.HasPrefix(c.SystemOut, "expected failure of a known-bad twin") {
			t.Errorf("twin's failed check not marked expected: %+v", c)
		}
	}
}

func TestJUnitFailsABrokenControl(t *testing.T) {
	// The twin's expectations on a clean rollout: it passed, so its control broke.
	r := goodRun()
	r = Judge(Run{Scenario: "gateway-rollout-ssh-nodrain", TwinOf: "gateway-rollout-ssh"}, twinExpect(), r.Events)
	doc := parseJUnit(t, r)
	if doc.Failures != 1 {
		t.Fatalf("failures %d, want the control's 1", doc.Failures)
	}
	for _, c := range doc.Suites[0].Cases {
		if c.Failure != nil && (c.Name != "negative-control" || !strings.Contains(c.Failure.Message, "the verdict passed")) {
			t.Errorf("unexpected failure %+v", c)
		}
	}
	if OutcomeOf(r) != (Outcome{"CONTROL DID NOT HOLD", false}) {
		t.Errorf("outcome %+v", OutcomeOf(r))
	}
}

func TestHTMLHasOneTimelinePerRunWithDropMarkers(t *testing.T) {
	rs := []Result{goodRun(), twinRun()}
	rs[0].Run.Description = `<script>alert("x")</script> & friends`
	var b bytes.Buffer
	if err := HTML(&b, rs...); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	text := html.UnescapeString(page) // html/template writes + as &#43;
	svgs := regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAllString(page, -1)
	if len(svgs) != 2 || strings.Count(page, "<svg ") != 2 {
		t.Fatalf("%d SVG timelines, want one per run", len(svgs))
	}
	for i, s := range svgs {
		var node struct{ XMLName xml.Name }
		if err := xml.Unmarshal([]byte(s), &node); err != nil || node.XMLName.Local != "svg" {
			t.Errorf("svg %d is not well-formed XML: %v", i, err)
		}
	}
	if n := strings.Count(svgs[0], `class="drop-marker"`); n != 0 {
		t.Errorf("clean run has %d drop markers", n)
	}
	if n := strings.Count(svgs[1], `class="drop-marker"`); n != 6 {
		t.Errorf("twin has %d drop markers, want 6", n)
	}
	if n := strings.Count(svgs[1], `<rect class="conn end-drop"`); n != 6 {
		t.Errorf("twin has %d dropped bars, want 6", n)
	}
	for _, want := range []string{
		`<g class="pod-event pod-deleting" data-pod="drainproof-1/gateway-7d9f-a">`,
		`<g class="pod-event endpoint-removed" data-pod="drainproof-1/gateway-7d9f-b">`,
		`<g class="pod-event container-exited"`, `<g class="pod-event pod-gone"`,
		`>gateway-7d9f-a deleting</text>`, `>disruption rollout-restart</text>`,
		`ssh-000 dropped at +0.906s (eof) carried by drainproof-1/gateway-7d9f-a`,
		`>+1s</text>`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;") {
		t.Error("description not escaped")
	}
	if strings.Contains(page, "http://") && strings.Count(page, "http://") != 2 { // only the SVG namespaces
		t.Error("page refers to outside resources")
	}
}

func TestHTMLCapsRowsButCountsAll(t *testing.T) {
	b := &book{}
	b.pod(-1000, "ns/gw", "10.0.0.1")
	for i := 0; i < svgMaxRows+50; i++ {
		id := "c" + strings.Repeat("x", i%3) + strconv.Itoa(i%10) + "-" + strconv.Itoa(i)
		b.conn(id, "10.0.0.1:1", 10)
		if i%100 == 0 {
			b.end(500, id, "drop", "eof")
		}
	}
	r := Judge(Run{Scenario: "many"}, goodExpect(), b.evs)
	s := svgTimeline(r)
	if strings.Count(s, `<rect class="conn`) != svgMaxRows || strings.Count(s, `class="drop-marker"`) != 4 {
		t.Errorf("rows %d, drop markers %d", strings.Count(s, `<rect class="conn`), strings.Count(s, `class="drop-marker"`))
	}
	if !strings.Contains(s, "300 of 350 connections drawn") {
		t.Error("no note about the cap")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOutboundRunRendersItsCalls(t *testing.T) {
	b := &book{}
	b.pod(-3000, "ns/caller-1", "10.244.3.3")
	b.add(0, ledger.Event{Kind: ledger.DisruptionStart, Probe: "disrupt", Detail: map[string]string{"action": "delete"}})
	b.podEvent(100, ledger.PodDeleting, "ns/caller-1")
	b.podEvent(150, ledger.ContainerExited, "ns/caller-1", "container", "sidecar")
	for i := 0; i < 5; i++ {
		e := ledger.Event{Kind: ledger.Outbound, Probe: "outbound", Pod: "ns/caller-1", Code: 200}
		if i > 0 {
			e.Code, e.Error = 0, "dial tcp 10.96.0.10:80: connect: connection refused"
		}
		b.add(120+i*200, e)
	}
	b.podEvent(1200, ledger.ContainerExited, "ns/caller-1", "container", "caller")
	b.podEvent(1300, ledger.PodGone, "ns/caller-1")
	b.add(1300, ledger.Event{Kind: ledger.DisruptionDone, Probe: "disrupt", Detail: map[string]string{"action": "delete"}})
	exp := verdict.Expect{MinOutboundSuccess: floatp(0.99), OutboundContainer: "caller",
		ExpectFailure: &verdict.NegativeControl{FailChecks: []string{verdict.CheckOutboundSuccess}}}
	r := Judge(Run{Scenario: "sidecar-outbound-classic", TwinOf: "sidecar-outbound-native"}, exp, b.evs)
	if OutcomeOf(r) != (Outcome{"FAILED AS EXPECTED", true}) {
		t.Fatalf("outcome %+v: %+v", OutcomeOf(r), r.Verdict.Findings)
	}
	svg := svgTimeline(r)
	if strings.Count(svg, `class="outbound-error"`) != 4 || strings.Count(svg, `class="outbound-ok"`) != 1 || !strings.Contains(svg, "outbound 1/5 ok") {
		t.Errorf("outbound row wrong:\n%s", svg)
	}
	var md bytes.Buffer
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| 0 | 0 | 0 | 0 | 0 | 0 | — | 1/5 |") {
		t.Errorf("counts row lacks the outbound ratio:\n%s", md.String())
	}
}

func floatp(v float64) *float64 { return &v }

// An INCOMPLETE run is neither a pass nor a failure in JUnit: its "complete"
// test case is an <error> carrying the reasons, counted in errors.
func TestIncompleteRunIsAJUnitErrorWithItsReasons(t *testing.T) {
	r := incompleteRun()
	if r.Verdict.Outcome != verdict.Incomplete {
		t.Fatalf("outcome %s", r.Verdict.Outcome)
	}
	var b bytes.Buffer
	if err := JUnit(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Errors   int `xml:"errors,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Errors int `xml:"errors,attr"`
			Cases  []struct {
				Name  string `xml:"name,attr"`
				Error *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
				} `xml:"error"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Errors != 1 || doc.Failures != 0 || doc.Suites[0].Errors != 1 {
		t.Fatalf("errors %d failures %d:\n%s", doc.Errors, doc.Failures, b.String())
	}
	c := doc.Suites[0].Cases[0]
	if c.Name != verdict.CheckComplete || c.Error == nil || c.Failure != nil || c.Error.Type != "incomplete" ||
		!strings.Contains(c.Error.Message, "interrupted (interrupt)") || !strings.Contains(c.Error.Message, "never finished") {
		t.Fatalf("first test case %+v", c)
	}
	for name, render := range map[string]func(*bytes.Buffer) error{
		"summary.md":  func(w *bytes.Buffer) error { return Markdown(w, r) },
		"report.html": func(w *bytes.Buffer) error { return HTML(w, r) },
	} {
		var out bytes.Buffer
		if err := render(&out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "this run cannot be judged") || !strings.Contains(out.String(), "interrupted (interrupt) before the run finished") {
			t.Errorf("%s does not say why the run is incomplete:\n%s", name, out.String())
		}
	}
}

// svgTimeline renders r's whole-run timeline alone.
func svgTimeline(r Result) string {
	lo, hi := runSpan(r)
	var b strings.Builder
	if err := pageTemplate.ExecuteTemplate(&b, "timeline", buildTimeline(r, lo, hi)); err != nil {
		panic(err)
	}
	return b.String()
}
