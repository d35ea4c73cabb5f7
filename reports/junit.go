package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/drainproof/drainproof/harness/verdict"
)

// JUnit XML as CI systems read it (Jenkins, GitLab, GitHub actions'
// reporters): <testsuites> with one <testsuite> per run and one <testcase>
// per finding.
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

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"` // the run could not be judged (INCOMPLETE)
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
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
		total += r.Run.Duration().Seconds()
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

func junitSuiteOf(r Result) junitSuite {
	s := junitSuite{Name: runName(r), Time: fmt.Sprintf("%.3f", r.Run.Duration().Seconds())}
	if !r.Run.Started.IsZero() {
		s.Timestamp = r.Run.Started.UTC().Format("2006-01-02T15:04:05")
	}
	for _, p := range [][2]string{
		{"twinOf", r.Run.TwinOf}, {"profile", r.Run.Profile}, {"cluster", r.Run.Cluster},
		{"namespace", r.Run.Namespace}, {"command", shellQuote(r.Run.Command)},
		{"outcome", OutcomeOf(r).Word},
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
	seen := map[string]int{}
	for _, f := range r.Verdict.Findings {
		name := f.Check
		switch {
		case f.Conn != "":
			name += "/" + f.Conn
		case f.Pod != "":
			name += "/" + f.Pod
		}
		if n := seen[name]; n > 0 {
			seen[name] = n + 1
			name = fmt.Sprintf("%s #%d", name, n+1)
		} else {
			seen[name] = 1
		}
		c := junitCase{Name: name, Classname: class, Time: "0.000"}
		switch {
		case f.Pass:
			c.SystemOut = f.Message
		case f.Check == verdict.CheckComplete:
			c.Error = &junitFailure{Message: f.Message, Type: "incomplete", Body: evidenceText(r, f)}
			s.Errors++
		case incomplete:
			c.Skipped = &junitSkipped{Message: "not judged: the run is incomplete"}
			c.SystemOut = f.Message + "\n" + evidenceText(r, f)
			s.Skipped++
		case twin && f.Check != verdict.CheckControl:
			c.SystemOut = "expected failure of a known-bad twin: " + f.Message + "\n" + evidenceText(r, f)
		default:
			c.Failure = &junitFailure{Message: f.Message, Type: f.Check, Body: evidenceText(r, f)}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	s.Tests = len(s.Cases)
	return s
}

// evidenceText lists a finding's evidence, one event a line, on r's timeline.
func evidenceText(r Result, f verdict.Finding) string {
	var b strings.Builder
	for _, e := range f.Evidence {
		fmt.Fprintf(&b, "%s %s\n", rel(r, e.Time), describe(e))
	}
	return b.String()
}
