package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/drainproof/drainproof/internal/verdict"
	yaml "go.yaml.in/yaml/v3"
)

// The qualification report's type, in the spirit of Gateway API's
// ConformanceReport: what was qualified (implementation, profile, versions),
// how each scenario and its known-bad twins came out, and how to reproduce it.
const (
	QualificationAPIVersion = "drainproof.dev/v1alpha1"
	QualificationKind       = "QualificationReport"
	// QualificationFile is the base name: .yaml and .json are written.
	QualificationFile = "qualification"
)

// Result values.
const (
	ResultPass = "pass"
	ResultFail = "fail"
	// ResultPassStandIn: the scenario held, but its traffic went through
	// the L4 Envoy stand-in — a result class of its own, never a pass on
	// real Envoy. A report with any such result is at best this, not pass.
	ResultPassStandIn = "pass-on-stand-in"
	// ResultIncomplete: the run could not be judged (interrupted, nothing
	// disrupted, nothing carried); Message gives the reasons. Counted apart
	// from failures, never as a pass.
	ResultIncomplete = "incomplete"
	// ResultNotRun: the scenario could not be run here (verdict.NotRun);
	// Message says why.
	ResultNotRun = "not-run"
	// ResultSkipped: a scenario of the profile's catalog that this
	// qualification did not select; it makes the report partial.
	ResultSkipped = "skipped"
	// ResultPartial (summary only): nothing failed or was incomplete, but
	// not every scenario of the profile's catalog ran.
	ResultPartial = "partial"
)

// Scenario kinds in a qualification report.
const (
	KindScenario        = "scenario"
	KindNegativeControl = "negative-control"
)

// QualificationReport says whether an implementation drains cleanly.
type QualificationReport struct {
	APIVersion     string         `json:"apiVersion" yaml:"apiVersion"`
	Kind           string         `json:"kind" yaml:"kind"`
	Date           time.Time      `json:"date" yaml:"date"`
	Implementation Implementation `json:"implementation" yaml:"implementation"`
	Profile        string         `json:"profile" yaml:"profile"`
	// Versions of what was qualified and what qualified it, e.g.
	// drainproof, kubernetes, kind, gateway (sorted by key when written).
	Versions map[string]string `json:"versions,omitempty" yaml:"versions,omitempty"`
	Mode     string            `json:"mode,omitempty" yaml:"mode,omitempty"` // air-gapped or registry
	Cluster  string            `json:"cluster,omitempty" yaml:"cluster,omitempty"`
	Summary  Summary           `json:"summary" yaml:"summary"`
	Results  []ScenarioResult  `json:"results" yaml:"results"`
	// Reproduce runs the whole qualification again.
	Reproduce string `json:"reproduce,omitempty" yaml:"reproduce,omitempty"`
	// Catalog is every scenario the profile's catalog holds (what a full
	// qualification runs); those without a result are skipped and make
	// the report partial.
	Catalog []string `json:"catalog,omitempty" yaml:"catalog,omitempty"`
}

// Implementation names what was qualified.
type Implementation struct {
	Organization string   `json:"organization,omitempty" yaml:"organization,omitempty"`
	Project      string   `json:"project" yaml:"project"`
	URL          string   `json:"url,omitempty" yaml:"url,omitempty"`
	Version      string   `json:"version" yaml:"version"`
	Contact      []string `json:"contact,omitempty" yaml:"contact,omitempty"`
}

// Summary counts results. Result is fail when any scenario failed (or none
// ran); else incomplete when any could not be judged; else partial when any
// was skipped or not run; else pass-on-stand-in when any pass was on the
// stand-in; else pass (every scenario passed, every negative control held).
type Summary struct {
	Result              string   `json:"result" yaml:"result"`
	Scenarios           int      `json:"scenarios" yaml:"scenarios"` // results listed, skipped and not-run included
	Passed              int      `json:"passed" yaml:"passed"`
	Failed              int      `json:"failed" yaml:"failed"`
	Incomplete          int      `json:"incomplete" yaml:"incomplete"`
	Skipped             int      `json:"skipped" yaml:"skipped"`
	NotRun              int      `json:"notRun" yaml:"notRun"`
	NegativeControls    int      `json:"negativeControls" yaml:"negativeControls"`
	ControlsHeld        int      `json:"controlsHeld" yaml:"controlsHeld"`
	FailedScenarios     []string `json:"failedScenarios,omitempty" yaml:"failedScenarios,omitempty"`
	IncompleteScenarios []string `json:"incompleteScenarios,omitempty" yaml:"incompleteScenarios,omitempty"`
	// PassedOnStandIn counts the passes (among Passed) whose data plane was
	// a stand-in: they qualify the control plane and drain logic, not Envoy.
	PassedOnStandIn int `json:"passedOnStandIn,omitempty" yaml:"passedOnStandIn,omitempty"`
}

// ScenarioResult is one run in the report. For a negative control Result is
// pass when the control held (the twin failed as it must); VerdictPass is
// always the raw verdict.
type ScenarioResult struct {
	Name         string           `json:"name" yaml:"name"`
	Kind         string           `json:"kind" yaml:"kind"`
	TwinOf       string           `json:"twinOf,omitempty" yaml:"twinOf,omitempty"`
	Result       string           `json:"result" yaml:"result"`
	VerdictPass  bool             `json:"verdictPass" yaml:"verdictPass"`
	ControlHeld  *bool            `json:"controlHeld,omitempty" yaml:"controlHeld,omitempty"`
	Connections  int              `json:"connections" yaml:"connections"`
	Drops        int              `json:"drops" yaml:"drops"`
	Stalls       int              `json:"stalls" yaml:"stalls"`
	DialFailures int              `json:"dialFailures" yaml:"dialFailures"`
	Duration     verdict.Duration `json:"duration" yaml:"duration"`
	FailedChecks []string         `json:"failedChecks,omitempty" yaml:"failedChecks,omitempty"`
	Message      string           `json:"message,omitempty" yaml:"message,omitempty"`
	Reproduce    string           `json:"reproduce,omitempty" yaml:"reproduce,omitempty"`
	DataPlane    *DataPlane       `json:"dataPlane,omitempty" yaml:"dataPlane,omitempty"`
	// ScenarioFile and Digest ("sha256:<hex>") say exactly what ran.
	ScenarioFile string `json:"scenarioFile,omitempty" yaml:"scenarioFile,omitempty"`
	Digest       string `json:"digest,omitempty" yaml:"digest,omitempty"`
}

// Qualify fills header's results and summary from rs (keeping header's
// implementation, profile, versions, mode, cluster, reproduce, catalog). A
// zero Date becomes the latest Finished among rs, so the function stays
// clock-free. What the header leaves empty is taken from the runs: the
// implementation from their data plane, versions from what they were
// tested with. Catalog scenarios without a run are skipped, unless the
// header already listed them as not run (kept with their reason, so
// `drainproof report` regenerates the same report).
func Qualify(header QualificationReport, rs []Result) QualificationReport {
	q := header
	q.APIVersion, q.Kind = QualificationAPIVersion, QualificationKind
	q.Results = make([]ScenarioResult, 0, len(rs))
	q.Summary = Summary{}
	ran := map[string]bool{}
	for _, r := range rs {
		if q.Date.IsZero() || (header.Date.IsZero() && r.Run.Finished.After(q.Date)) {
			q.Date = r.Run.Finished
		}
		sr := scenarioResult(r)
		ran[sr.Name] = true
		q.Results = append(q.Results, sr)
	}
	q.Date = q.Date.UTC()
	notRun := map[string]ScenarioResult{}
	for _, sr := range header.Results {
		if sr.Result == ResultNotRun {
			notRun[sr.Name] = sr
		}
	}
	for _, name := range header.Catalog {
		switch sr, ok := notRun[name]; {
		case ran[name]:
		case ok:
			q.Results = append(q.Results, sr)
		default:
			q.Results = append(q.Results, ScenarioResult{Name: name, Kind: KindScenario, Result: ResultSkipped, Message: "in the profile's catalog, not selected for this qualification"})
		}
	}
	fillFromRuns(&q, rs)
	for _, sr := range q.Results {
		q.Summary.Scenarios++
		if sr.Kind == KindNegativeControl {
			q.Summary.NegativeControls++
			if sr.ControlHeld != nil && *sr.ControlHeld {
				q.Summary.ControlsHeld++
			}
		}
		switch sr.Result {
		case ResultPass, ResultPassStandIn:
			q.Summary.Passed++
			if sr.Result == ResultPassStandIn {
				q.Summary.PassedOnStandIn++
			}
		case ResultIncomplete:
			q.Summary.Incomplete++
			q.Summary.IncompleteScenarios = append(q.Summary.IncompleteScenarios, sr.Name)
		case ResultSkipped:
			q.Summary.Skipped++
		case ResultNotRun:
			q.Summary.NotRun++
		default:
			q.Summary.Failed++
			q.Summary.FailedScenarios = append(q.Summary.FailedScenarios, sr.Name)
		}
	}
	switch {
	case q.Summary.Failed > 0 || q.Summary.Passed+q.Summary.Incomplete == 0:
		q.Summary.Result = ResultFail
	case q.Summary.Incomplete > 0:
		q.Summary.Result = ResultIncomplete
	case q.Summary.Skipped+q.Summary.NotRun > 0:
		q.Summary.Result = ResultPartial
	case q.Summary.PassedOnStandIn > 0:
		q.Summary.Result = ResultPassStandIn
	default:
		q.Summary.Result = ResultPass
	}
	return q
}

// fillFromRuns names the implementation after the runs' data plane and
// records what they were tested with, where the header says nothing.
func fillFromRuns(q *QualificationReport, rs []Result) {
	var dp *DataPlane
	var env *Environment
	for _, r := range rs {
		if dp == nil && r.Run.DataPlane != nil {
			dp = r.Run.DataPlane
		}
		if env == nil && r.Run.Env != nil {
			env = r.Run.Env
		}
	}
	if q.Implementation.Project == "" && dp != nil {
		q.Implementation.Project = dp.Proxy
		if dp.StandIn {
			q.Implementation.Project += " (stand-in)"
		}
	}
	if q.Implementation.Version == "" && dp != nil {
		q.Implementation.Version = dp.Version
	}
	if q.Implementation.Version == "" {
		q.Implementation.Version = "not recorded"
	}
	if env == nil {
		return
	}
	if q.Versions == nil {
		q.Versions = map[string]string{}
	}
	for k, v := range map[string]string{"drainproof": env.Drainproof, "drainproofCommit": env.Commit, "kubernetes": env.Kubernetes,
		"kind": env.Kind, "nodeImage": env.NodeImage, "images": env.ImageSource, "probes": probesWhere(env.Probers)} {
		if _, set := q.Versions[k]; !set && v != "" {
			q.Versions[k] = v
		}
	}
	for name, ref := range env.Images {
		if _, set := q.Versions["image/"+name]; !set {
			q.Versions["image/"+name] = ref
		}
	}
}

// probesWhere is where a run's probes ran, without which node each prober
// had ("in-cluster: 2 prober pods"): what a suite's runs share.
func probesWhere(probers string) string {
	where, _, _ := strings.Cut(probers, " (")
	return where
}

func scenarioResult(r Result) ScenarioResult {
	v := r.Verdict
	sr := ScenarioResult{
		Name: runName(r), Kind: KindScenario, TwinOf: r.Run.TwinOf, VerdictPass: v.Pass,
		Connections: v.Connections, Drops: v.Drops, Stalls: v.Stalls, DialFailures: v.DialFailures,
		Duration: verdict.D(r.Run.Duration()), Reproduce: shellQuote(r.Run.Command), DataPlane: r.Run.DataPlane,
		ScenarioFile: r.Run.ScenarioFile, Digest: r.Run.ScenarioDigest,
	}
	seen := map[string]bool{}
	var msgs []string
	for _, f := range v.Findings {
		if !f.Pass && f.Check != verdict.CheckControl && f.Check != verdict.CheckComplete && !seen[f.Check] {
			seen[f.Check] = true
			sr.FailedChecks = append(sr.FailedChecks, f.Check)
			msgs = append(msgs, f.Message)
		}
	}
	if v.Control != nil {
		sr.Kind = KindNegativeControl
		held := v.Control.Held
		sr.ControlHeld = &held
		sr.Message = v.Control.Message
	} else if len(msgs) > 0 {
		sr.Message = strings.Join(msgs, "; ")
	}
	sr.Result = ResultFail
	switch {
	case v.Outcome == verdict.Incomplete:
		sr.Result = ResultIncomplete
		sr.Message = "incomplete: " + strings.Join(v.IncompleteReasons, "; ")
	case v.Outcome == verdict.NotRun:
		sr.Result = ResultNotRun
		sr.Message = "not run: " + strings.Join(v.IncompleteReasons, "; ")
	case OutcomeOf(r).OK:
		sr.Result = ResultPass
		if r.Run.DataPlane != nil && r.Run.DataPlane.StandIn {
			sr.Result = ResultPassStandIn
		}
	}
	return sr
}

// WriteQualification writes q as qualification.yaml and qualification.json in dir.
func WriteQualification(dir string, q QualificationReport) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	if err := writeFile(filepath.Join(dir, QualificationFile+".json"), func(w io.Writer) error { return writeJSON(w, q) }); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, QualificationFile+".yaml"), func(w io.Writer) error { return MarshalQualificationYAML(w, q) })
}

// MarshalQualificationYAML writes q as YAML, fields in declaration order.
func MarshalQualificationYAML(w io.Writer, q QualificationReport) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(q); err != nil {
		return err
	}
	return enc.Close()
}

// ReadQualification reads a qualification report (.json or .yaml), rejecting
// unknown fields and a wrong apiVersion or kind.
func ReadQualification(path string) (QualificationReport, error) {
	var q QualificationReport
	b, err := os.ReadFile(path)
	if err != nil {
		return q, err
	}
	if strings.HasSuffix(path, ".json") {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		err = dec.Decode(&q)
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		err = dec.Decode(&q)
	}
	if err != nil {
		return q, fmt.Errorf("reports: %s: %w", path, err)
	}
	if q.APIVersion != QualificationAPIVersion {
		return q, fmt.Errorf("reports: %s: apiVersion: want %s, got %q", path, QualificationAPIVersion, q.APIVersion)
	}
	if q.Kind != QualificationKind {
		return q, fmt.Errorf("reports: %s: kind: want %s, got %q", path, QualificationKind, q.Kind)
	}
	return q, nil
}
