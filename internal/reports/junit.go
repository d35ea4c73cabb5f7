package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/verdict"
)

// JUnit XML as CI systems read it (Jenkins, GitLab, GitHub actions'
// reporters), valid against Jenkins' junit-4.xsd: <testsuites> with one
// <testsuite> per run.
//
// Invariants, so history, flake tracking and counts work across runs:
//   - A test case is a check ("drops"), or a per-pod check and the workload
//     role of the pods it is about ("drops/deployment/gateway", see
//     workloadOf): never a connection id or a pod name with its random
//     suffix (those are in messages and bodies).
//   - A run has the same test cases whether it passes or fails: the checks
//     its expectations judge; for drops one case per role that carried probe
//     connections; for linger and drain-time one per role with a deleted pod.
//   - tests, failures, errors and skipped count the cases written.
//   - `complete` carries the run's wall time (the run is what took time;
//     judging takes none), every other case 0: case times sum to the
//     suite's time, the suites' to the document's.
//   - Property "report" is report.html's path relative to junit.xml
//     (WriteResult and WriteSuite write both into one directory).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// junitCase's fields are in the schema's order: skipped, error, failure, system-out.
type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"` // the run could not be judged (INCOMPLETE)
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// junitSkipped is text only: junit-4.xsd's <skipped> is an xs:string.
type junitSkipped struct {
	Message string `xml:",chardata"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// JUnit writes rs as one JUnit document. For a known-bad twin only its
// negative-control test case can fail: the checks it fails are expected to,
// and say so in their system-out. An INCOMPLETE run's "complete" test case
// is an <error> (the run could not be judged), and its other failed checks
// are <skipped> with their message and evidence in system-out: a run that
// could not be judged is neither a pass nor a failure.
func JUnit(w io.Writer, rs ...Result) error {
	doc := junitSuites{Name: "drainproof"}
	var total float64
	for _, r := range rs {
		s := junitSuiteOf(r)
		doc.Suites = append(doc.Suites, s)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		total += seconds(r)
	}
	doc.Time = fmt.Sprintf("%.3f", total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// seconds is r's wall time at the document's millisecond resolution.
func seconds(r Result) float64 { return float64(r.Run.Duration().Milliseconds()) / 1000 }

// judged is one test case before rendering: the findings it stands for.
type judged struct {
	name     string
	check    string
	findings []verdict.Finding
	pass     bool
	message  string // what the case says, pass or fail
	body     string // the evidence, one event a line
}

func junitSuiteOf(r Result) junitSuite {
	s := junitSuite{Name: runName(r), Time: fmt.Sprintf("%.3f", seconds(r))}
	if !r.Run.Started.IsZero() {
		s.Timestamp = r.Run.Started.UTC().Format("2006-01-02T15:04:05")
	}
	for _, p := range [][2]string{
		{"twinOf", r.Run.TwinOf}, {"profile", r.Run.Profile}, {"cluster", r.Run.Cluster},
		{"namespace", r.Run.Namespace}, {"command", shellQuote(r.Run.Command)},
		{"outcome", OutcomeOf(r).Word}, {"report", HTMLFile},
	} {
		if p[1] != "" {
			s.Properties = append(s.Properties, junitProperty{Name: p[0], Value: p[1]})
		}
	}
	class := "drainproof." + runName(r)
	if r.Run.Profile != "" {
		class = "drainproof." + r.Run.Profile + "." + runName(r)
	}
	twin := isTwin(r) && r.Verdict.Control != nil
	incomplete := r.Verdict.Outcome == verdict.Incomplete
	for _, j := range junitCases(r) {
		c := junitCase{Name: j.name, Classname: class, Time: "0.000"}
		if j.check == verdict.CheckComplete {
			c.Time = s.Time
		}
		switch {
		case j.pass:
			c.SystemOut = strings.TrimRight(j.message+"\n"+j.body, "\n")
		case j.check == verdict.CheckComplete:
			typ := "incomplete"
			if r.Verdict.Outcome == verdict.NotRun {
				typ = "not-run"
			}
			c.Error = &junitFailure{Message: j.message, Type: typ, Body: j.body}
			s.Errors++
		case incomplete:
			c.Skipped = &junitSkipped{Message: "not judged: the run is incomplete"}
			c.SystemOut = j.message + "\n" + j.body
			s.Skipped++
		case twin && j.check != verdict.CheckControl:
			c.SystemOut = "expected failure of a known-bad twin: " + j.message + "\n" + j.body
		default:
			c.Failure = &junitFailure{Message: j.message, Type: j.check, Body: j.body}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	for _, p := range r.Run.ProbesNotRun {
		s.Cases = append(s.Cases, junitCase{Name: "probe/" + p.Probe, Classname: class, Time: "0.000",
			Skipped: &junitSkipped{Message: p.String()}})
		s.Skipped++
	}
	s.Tests = len(s.Cases)
	return s
}

// perRoleChecks are the checks broken down by workload role.
var perRoleChecks = map[string]bool{verdict.CheckDrops: true, verdict.CheckLinger: true, verdict.CheckDrainTime: true}

// junitCases are r's test cases: each check in the order the verdict
// judged it, then its per-role cases (roles in name order).
func junitCases(r Result) []judged {
	roles := rolesOf(r)
	var checks []string
	byCheck := map[string][]verdict.Finding{}
	for _, f := range r.Verdict.Findings {
		if _, seen := byCheck[f.Check]; !seen {
			checks = append(checks, f.Check)
		}
		byCheck[f.Check] = append(byCheck[f.Check], f)
	}
	var out []judged
	for _, check := range checks {
		fs := byCheck[check]
		out = append(out, checkCase(r, check, fs))
		if !perRoleChecks[check] {
			continue
		}
		for _, role := range roles.judgedBy(check) {
			out = append(out, roleCase(r, check, role, roles, fs))
		}
	}
	return out
}

// checkCase is a check as a whole: it fails when any of its findings does.
// Its message is the check's own summary finding (no pod, no connection)
// when it has one; the per-connection detail is in the per-role cases.
func checkCase(r Result, check string, fs []verdict.Finding) judged {
	j := judged{name: check, check: check, findings: fs, pass: true}
	var msgs []string
	var summary *verdict.Finding
	for i, f := range fs {
		j.pass = j.pass && f.Pass
		if f.Pod == "" && f.Conn == "" && summary == nil {
			summary = &fs[i]
		}
		msgs = append(msgs, f.Message)
	}
	if summary != nil && (perRoleChecks[check] || len(fs) == 1) {
		j.message, j.body = summary.Message, evidenceText(r, *summary)
		return j
	}
	j.message = strings.Join(msgs, "; ")
	var b strings.Builder
	for _, f := range fs {
		if !f.Pass || len(fs) == 1 {
			b.WriteString(evidenceText(r, f))
		}
	}
	j.body = b.String()
	return j
}

// roleCase is a per-pod check over the pods of one workload role: it fails
// when a finding about one of them does, and folds each finding (one a
// dropped connection, or one a pod) with its evidence into the body.
func roleCase(r Result, check, role string, roles podRoles, fs []verdict.Finding) judged {
	j := judged{name: check + "/" + role, check: check, pass: true}
	var b strings.Builder
	for _, f := range fs {
		if f.Pod == "" || roles.role[f.Pod] != role {
			continue
		}
		j.findings = append(j.findings, f)
		j.pass = j.pass && f.Pass
		fmt.Fprintf(&b, "%s\n%s", f.Message, indent(evidenceText(r, f)))
	}
	j.body = b.String()
	if check == verdict.CheckDrops {
		j.message = dropsOfRole(r, role, roles)
		return j
	}
	failed := 0
	for _, f := range j.findings {
		if !f.Pass {
			failed++
		}
	}
	j.message = fmt.Sprintf("%s: %d of the %d judged pods of %s failed (pods %s)", check, failed, len(j.findings), role, strings.Join(roles.pods[role], ", "))
	if len(j.findings) == 0 {
		j.message = fmt.Sprintf("%s: no pod of %s was judged (pods %s)", check, role, strings.Join(roles.pods[role], ", "))
	}
	return j
}

// dropsOfRole says how many of the connections role's pods carried dropped, and how.
func dropsOfRole(r Result, role string, roles podRoles) string {
	carried := 0
	for _, m := range r.Verdict.Pods {
		if roles.role[m.Pod] == role {
			carried += m.Connections
		}
	}
	causes := map[string]int{}
	drops := 0
	for _, d := range r.Verdict.DropDetails {
		if d.Pod != "" && roles.role[d.Pod] == role {
			drops++
			cause := string(d.Cause)
			if cause == "" {
				cause = "unknown cause"
			}
			causes[cause]++
		}
	}
	var carriers []string
	for _, m := range r.Verdict.Pods {
		if roles.role[m.Pod] == role && (m.Connections > 0 || m.Drops > 0) {
			carriers = append(carriers, path.Base(m.Pod))
		}
	}
	sort.Strings(carriers)
	pods := strings.Join(carriers, ", ")
	if drops == 0 {
		return fmt.Sprintf("no drop among the %d connections %s carried (pods %s)", carried, role, pods)
	}
	var cs []string
	for c, n := range causes {
		cs = append(cs, fmt.Sprintf("%s×%d", c, n))
	}
	sort.Strings(cs)
	return fmt.Sprintf("%d of the %d connections %s carried dropped (%s; pods %s)", drops, carried, role, strings.Join(cs, ", "), pods)
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ") + "\n"
}

// podRoles maps the run's pods to their workload roles.
type podRoles struct {
	role     map[string]string   // namespace/pod -> role
	pods     map[string][]string // role -> its pods' names (no namespace), sorted
	carried  map[string]bool     // roles whose pods carried a probe connection or dropped one
	deleting map[string]bool     // roles with a pod whose deletion was seen
}

// rolesOf reads each pod's role from its events (see workloadOf).
func rolesOf(r Result) podRoles {
	pr := podRoles{role: map[string]string{}, pods: map[string][]string{}, carried: map[string]bool{}, deleting: map[string]bool{}}
	add := func(pod, role string) {
		if _, known := pr.role[pod]; known || pod == "" {
			return
		}
		pr.role[pod] = role
		pr.pods[role] = append(pr.pods[role], path.Base(pod))
	}
	for _, e := range r.Events {
		if e.Pod != "" && e.Detail["workload"] != "" {
			add(e.Pod, e.Detail["workload"])
		}
	}
	for _, e := range r.Events {
		add(e.Pod, workloadOf(e.Pod))
		if e.Kind == ledger.PodDeleting {
			pr.deleting[pr.role[e.Pod]] = true
		}
	}
	for _, m := range r.Verdict.Pods {
		add(m.Pod, workloadOf(m.Pod))
		if m.Connections > 0 || m.Drops > 0 {
			pr.carried[pr.role[m.Pod]] = true
		}
	}
	for _, d := range r.Verdict.DropDetails {
		add(d.Pod, workloadOf(d.Pod))
		if d.Pod != "" {
			pr.carried[pr.role[d.Pod]] = true
		}
	}
	for _, ps := range pr.pods {
		sort.Strings(ps)
	}
	return pr
}

// judgedBy lists the roles that get a case of check, in name order.
func (pr podRoles) judgedBy(check string) []string {
	set := pr.deleting
	if check == verdict.CheckDrops {
		set = pr.carried
	}
	var out []string
	for role, ok := range set {
		if ok {
			out = append(out, role)
		}
	}
	sort.Strings(out)
	return out
}

// workloadOf is the role of a pod whose events name none (a ledger written
// before the watcher recorded Detail["workload"]): the pod itself. Honest,
// but not stable across runs.
func workloadOf(pod string) string { return "pod/" + path.Base(pod) }

// evidenceText lists a finding's evidence, one event a line, on r's timeline.
func evidenceText(r Result, f verdict.Finding) string {
	var b strings.Builder
	for _, e := range f.Evidence {
		fmt.Fprintf(&b, "%s %s\n", rel(r, e.Time), describe(e))
	}
	return b.String()
}
