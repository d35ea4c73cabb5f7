package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/drainproof/drainproof/internal/ledger"
)

// The JUnit output is checked against what its consumers expect: the
// structure of Jenkins' junit-4.xsd (the schema the Jenkins JUnit plugin
// and most CI readers accept; no XSD validator runs in Go's standard
// library, so validJUnit states the schema's rules as checks: allowed
// elements, their order and cardinality, required and allowed attributes,
// <skipped> as text only) plus the counts and times every reader sums:
// tests/failures/errors/skipped equal the cases' outcomes, case times add
// up to their suite's, suites' to the document's.

// node is a parsed XML element.
type node struct {
	name     string
	attrs    map[string]string
	children []*node
	text     string
}

func parseNode(t *testing.T, b []byte) *node {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("junit.xml is not well-formed XML: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{name: tk.Name.Local, attrs: map[string]string{}}
			for _, a := range tk.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tk)
			}
		}
	}
	return root
}

// schema: per element, the allowed and required attributes and the
// children in order, each with its maximum count (-1: unbounded).
type elementRule struct {
	attrs    []string
	required []string
	children []childRule
	textOnly bool
}

type childRule struct {
	name string
	min  int
	max  int
}

var jenkinsJUnit4 = map[string]elementRule{
	"testsuites": {attrs: []string{"name", "time", "tests", "failures", "disabled", "errors"},
		children: []childRule{{"testsuite", 0, -1}}},
	"testsuite": {attrs: []string{"name", "tests", "failures", "errors", "time", "disabled", "skipped", "timestamp", "hostname", "id", "package"},
		required: []string{"name", "tests"},
		children: []childRule{{"properties", 0, 1}, {"testcase", 0, -1}, {"system-out", 0, 1}, {"system-err", 0, 1}}},
	"properties": {children: []childRule{{"property", 1, -1}}},
	"property":   {attrs: []string{"name", "value"}, required: []string{"name", "value"}},
	"testcase": {attrs: []string{"name", "assertions", "time", "classname", "status"}, required: []string{"name"},
		children: []childRule{{"skipped", 0, 1}, {"error", 0, -1}, {"failure", 0, -1}, {"system-out", 0, -1}, {"system-err", 0, -1}}},
	"failure":    {attrs: []string{"type", "message"}, textOnly: true},
	"error":      {attrs: []string{"type", "message"}, textOnly: true},
	"skipped":    {textOnly: true},
	"system-out": {textOnly: true},
	"system-err": {textOnly: true},
}

// checkSchema walks n against the rules, reporting each violation with its path.
func checkSchema(n *node, at string) []string {
	at += "/" + n.name
	rule, ok := jenkinsJUnit4[n.name]
	if !ok {
		return []string{at + ": element not in the schema"}
	}
	var errs []string
	for a := range n.attrs {
		if !slices.Contains(rule.attrs, a) {
			errs = append(errs, fmt.Sprintf("%s: attribute %q not allowed", at, a))
		}
	}
	for _, a := range rule.required {
		if _, ok := n.attrs[a]; !ok {
			errs = append(errs, fmt.Sprintf("%s: attribute %q required", at, a))
		}
	}
	if rule.textOnly && len(n.children) > 0 {
		errs = append(errs, at+": text only, has child elements")
	}
	// Children must come in the rule's order, within each one's bounds.
	i := 0
	for _, cr := range rule.children {
		count := 0
		for i < len(n.children) && n.children[i].name == cr.name {
			count++
			i++
		}
		if count < cr.min || (cr.max >= 0 && count > cr.max) {
			errs = append(errs, fmt.Sprintf("%s: %d <%s>, want %d..%d", at, count, cr.name, cr.min, cr.max))
		}
	}
	if i < len(n.children) {
		errs = append(errs, fmt.Sprintf("%s: <%s> out of order or not allowed here", at, n.children[i].name))
	}
	for _, c := range n.children {
		errs = append(errs, checkSchema(c, at)...)
	}
	return errs
}

func (n *node) all(name string) []*node {
	var out []*node
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

func (n *node) has(name string) bool { return len(n.all(name)) > 0 }

func attrInt(t *testing.T, n *node, a string) int {
	t.Helper()
	v, err := strconv.Atoi(n.attrs[a])
	if err != nil {
		t.Errorf("<%s %s=%q>: not an integer", n.name, a, n.attrs[a])
	}
	return v
}

func attrSecs(t *testing.T, n *node) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attrs["time"], 64)
	if err != nil || v < 0 {
		t.Errorf("<%s name=%q time=%q>: want seconds >= 0", n.name, n.attrs["name"], n.attrs["time"])
	}
	return v
}

// validJUnit parses b and checks the schema's structure and the counts and
// times CI systems derive from it; it returns the document.
func validJUnit(t *testing.T, b []byte) *node {
	t.Helper()
	root := parseNode(t, b)
	if root == nil || root.name != "testsuites" {
		t.Fatalf("root element %v, want <testsuites>", root)
	}
	for _, e := range checkSchema(root, "") {
		t.Errorf("junit-4.xsd: %s", e)
	}
	var tests, failures, errors int
	var secs float64
	for _, s := range root.all("testsuite") {
		cases := s.all("testcase")
		names := map[string]bool{} // per suite: a suite may run a scenario twice
		var f, e, sk int
		var caseSecs float64
		for _, c := range cases {
			outcomes := 0
			for _, k := range []string{"failure", "error", "skipped"} {
				if c.has(k) {
					outcomes++
				}
			}
			if outcomes > 1 {
				t.Errorf("case %q is more than one of failure/error/skipped", c.attrs["name"])
			}
			if c.has("failure") {
				f++
			}
			if c.has("error") {
				e++
			}
			if c.has("skipped") {
				sk++
			}
			caseSecs += attrSecs(t, c)
			key := c.attrs["classname"] + " " + c.attrs["name"]
			if names[key] {
				t.Errorf("test case %q twice in suite %q: CI readers merge or drop one", key, s.attrs["name"])
			}
			names[key] = true
		}
		if attrInt(t, s, "tests") != len(cases) || attrInt(t, s, "failures") != f || attrInt(t, s, "errors") != e || attrInt(t, s, "skipped") != sk {
			t.Errorf("suite %q counts tests=%s failures=%s errors=%s skipped=%s, its cases say %d/%d/%d/%d",
				s.attrs["name"], s.attrs["tests"], s.attrs["failures"], s.attrs["errors"], s.attrs["skipped"], len(cases), f, e, sk)
		}
		if st := attrSecs(t, s); math.Abs(st-caseSecs) > 0.0005 {
			t.Errorf("suite %q time %.3f, its cases add up to %.3f", s.attrs["name"], st, caseSecs)
		}
		tests, failures, errors, secs = tests+len(cases), failures+f, errors+e, secs+attrSecs(t, s)
	}
	if attrInt(t, root, "tests") != tests || attrInt(t, root, "failures") != failures || attrInt(t, root, "errors") != errors {
		t.Errorf("testsuites counts %s/%s/%s, its suites say %d/%d/%d", root.attrs["tests"], root.attrs["failures"], root.attrs["errors"], tests, failures, errors)
	}
	if math.Abs(attrSecs(t, root)-secs) > 0.0005 {
		t.Errorf("testsuites time %s, its suites add up to %.3f", root.attrs["time"], secs)
	}
	return root
}

func junitBytes(t *testing.T, rs ...Result) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := JUnit(&b, rs...); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestJUnitIsValidForJenkinsSchema(t *testing.T) {
	for name, rs := range map[string][]Result{
		"good": {goodRun()}, "twin": {twinRun()}, "bad": {badRun()}, "incomplete": {incompleteRun()},
		"suite": {goodRun(), twinRun(), badRun(), incompleteRun()}, "empty": nil,
	} {
		t.Run(name, func(t *testing.T) { validJUnit(t, junitBytes(t, rs...)) })
	}
}

// The validator catches what it claims to: a few broken documents.
func TestJUnitValidatorRejectsBrokenDocuments(t *testing.T) {
	for name, doc := range map[string]string{
		"skipped with an attribute": `<testsuites><testsuite name="s" tests="1"><testcase name="c"><skipped message="m"/></testcase></testsuite></testsuites>`,
		"failure after system-out":  `<testsuites><testsuite name="s" tests="1"><testcase name="c"><system-out>o</system-out><failure/></testcase></testsuite></testsuites>`,
		"testsuite without tests":   `<testsuites><testsuite name="s"></testsuite></testsuites>`,
		"empty properties":          `<testsuites><testsuite name="s" tests="0"><properties></properties></testsuite></testsuites>`,
	} {
		if errs := checkSchema(parseNode(t, []byte(doc)), ""); len(errs) == 0 {
			t.Errorf("%s: no violation found", name)
		}
	}
}

// caseNames lists a document's test cases, "suite: name".
func caseNames(t *testing.T, b []byte) []string {
	var out []string
	for _, s := range validJUnit(t, b).all("testsuite") {
		for _, c := range s.all("testcase") {
			out = append(out, c.attrs["name"])
		}
	}
	return out
}

// The same scenario drained (passes) and hard-stopped (fails): the same
// test cases, none named after a pod or a connection, so CI history lines
// the runs up.
func TestJUnitCasesAreTheSameWhetherTheRunPassesOrFails(t *testing.T) {
	pass := Judge(goodRun().Run, goodExpect(), gatewayRollout(true))
	fail := Judge(goodRun().Run, goodExpect(), gatewayRollout(false))
	if OutcomeOf(pass).Word != "PASS" || OutcomeOf(fail).Word != "FAIL" {
		t.Fatalf("outcomes %s and %s", OutcomeOf(pass).Word, OutcomeOf(fail).Word)
	}
	a, b := caseNames(t, junitBytes(t, pass)), caseNames(t, junitBytes(t, fail))
	if !slices.Equal(a, b) {
		t.Fatalf("test cases differ:\npass: %q\nfail: %q", a, b)
	}
	want := []string{"complete", "drops", "drops/deployment/gateway", "dial-failures", "linger", "linger/deployment/gateway", "drain-time", "drain-time/deployment/gateway"}
	if !slices.Equal(a, want) {
		t.Errorf("test cases %q, want %q", a, want)
	}
	for _, n := range append(a, b...) {
		for _, random := range []string{"7d9f", "5c4b", "ssh-0", "drainproof-1"} {
			if strings.Contains(n, random) {
				t.Errorf("test case %q names a pod, connection or namespace (%s)", n, random)
			}
		}
	}
}

// A ledger from before the watcher recorded workload roles still renders:
// each pod is its own role (honest, though not stable across runs).
func TestJUnitWithoutWorkloadRolesNamesThePod(t *testing.T) {
	var evs []ledger.Event
	for _, e := range gatewayRollout(false) {
		if e.Detail != nil {
			d := map[string]string{}
			for k, v := range e.Detail {
				if k != "workload" {
					d[k] = v
				}
			}
			e.Detail = d
		}
		evs = append(evs, e)
	}
	names := caseNames(t, junitBytes(t, Judge(goodRun().Run, goodExpect(), evs)))
	if !slices.Contains(names, "drops/pod/gateway-7d9f-a") || !slices.Contains(names, "drops/pod/gateway-7d9f-b") {
		t.Errorf("test cases %q", names)
	}
}

// Real durations: the run's wall time is on its `complete` case and the
// suite; report.html is linked by a property.
func TestJUnitDurationsAndReportLink(t *testing.T) {
	root := validJUnit(t, junitBytes(t, goodRun()))
	s := root.all("testsuite")[0]
	if s.attrs["time"] != "15.000" || root.attrs["time"] != "15.000" {
		t.Errorf("suite time %s, document time %s: want the run's 15 s", s.attrs["time"], root.attrs["time"])
	}
	for _, c := range s.all("testcase") {
		if c.attrs["name"] == "complete" && c.attrs["time"] != "15.000" {
			t.Errorf("complete takes %s, want the run's 15 s", c.attrs["time"])
		}
	}
	link := ""
	for _, p := range s.all("properties")[0].all("property") {
		if p.attrs["name"] == "report" {
			link = p.attrs["value"]
		}
	}
	if link != HTMLFile {
		t.Errorf("report property %q, want %q (beside junit.xml)", link, HTMLFile)
	}
}

// A probe the data plane cannot carry is a <skipped> case with its reason, and a row of
// summary.md: never a pass, never left out.
func TestProbeNotRunIsSkippedWithItsReason(t *testing.T) {
	r := goodRun()
	r.Run.ProbesNotRun = []ProbeNotRun{{Probe: "http", Reason: "needs real Envoy: the stand-in is L4"}}
	s := validJUnit(t, junitBytes(t, r)).all("testsuite")[0]
	if s.attrs["skipped"] != "1" {
		t.Errorf("skipped = %q, want 1", s.attrs["skipped"])
	}
	found := false
	for _, c := range s.all("testcase") {
		if c.attrs["name"] == "probe/http" {
			found = true
			if sk := c.all("skipped"); len(sk) != 1 || sk[0].text != "probe http NOT RUN: needs real Envoy: the stand-in is L4" {
				t.Errorf("probe/http case: %+v", c)
			}
		}
	}
	if !found {
		t.Error("no probe/http test case")
	}
	var b bytes.Buffer
	if err := Markdown(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| not run | probe http NOT RUN: needs real Envoy: the stand-in is L4 |") {
		t.Errorf("summary.md does not say the probe was not run:\n%s", b.String())
	}
}
