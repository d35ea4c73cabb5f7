// Package reports turns judged runs into files people and CI read:
// verdict.json, junit.xml, summary.md, report.html (an SVG timeline per run)
// and a typed, versioned qualification report. Rendering is deterministic: it
// reads only the Result (no clock), so the same ledger renders the same files,
// and Regenerate can rebuild every report from ledger.jsonl alone.
package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/verdict"
)

// File names written into a run's directory.
const (
	LedgerFile  = "ledger.jsonl" // written by the ledger's sink during the run
	RunFile     = "run.json"     // Run + Expect, so reports can be regenerated
	VerdictFile = "verdict.json"
	JUnitFile   = "junit.xml"
	SummaryFile = "summary.md"
	HTMLFile    = "report.html"
	// VerdictsFile replaces verdict.json in a suite directory (several runs).
	VerdictsFile = "verdicts.json"
)

// Run is what reports say about a run besides its events.
type Run struct {
	Scenario    string    `json:"scenario"`
	Description string    `json:"description,omitempty"`
	TwinOf      string    `json:"twinOf,omitempty"` // the good scenario this known-bad twin controls
	Profile     string    `json:"profile,omitempty"`
	Cluster     string    `json:"cluster,omitempty"`
	Namespace   string    `json:"namespace,omitempty"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	// Command is the argv that reproduces the run (see Reproduce): every
	// flag that mattered, no absolute path of the machine that ran it.
	Command []string `json:"command,omitempty"`
	// DataPlane is what carried the traffic; a stand-in's result is a class
	// of its own and never a pass on the real proxy.
	DataPlane *DataPlane `json:"dataPlane,omitempty"`
	// ScenarioFile is the scenario's file (a catalog path such as
	// catalog/x.yaml, or the file given to --scenario) and ScenarioDigest
	// "sha256:<hex>" of its bytes.
	ScenarioFile   string `json:"scenarioFile,omitempty"`
	ScenarioDigest string `json:"scenarioDigest,omitempty"`
	// Env is what the run was tested with.
	Env *Environment `json:"environment,omitempty"`
	// Evidence is the directory, relative to the run's, where pods, events
	// and container logs were kept because the run failed ("" when none).
	Evidence string `json:"evidence,omitempty"`
	// ProbesNotRun are the scenario's probes its data plane cannot carry
	// here (DataPlane.NotCarried): not run, so never passed, and every
	// report says so next to the outcome of what did run.
	ProbesNotRun []ProbeNotRun `json:"probesNotRun,omitempty"`
}

// ProbeNotRun is a scenario probe a run did not run, and why.
type ProbeNotRun struct {
	Probe  string `json:"probe"` // ssh, http, load, outbound
	Reason string `json:"reason"`
}

// String is how reports print it.
func (p ProbeNotRun) String() string { return "probe " + p.Probe + " NOT RUN: " + p.Reason }

// Environment is what a run was tested with: which drainproof, which
// Kubernetes and kind, which images, on which host.
type Environment struct {
	Drainproof string `json:"drainproof,omitempty" yaml:"drainproof,omitempty"` // version
	Commit     string `json:"commit,omitempty" yaml:"commit,omitempty"`
	Kubernetes string `json:"kubernetes,omitempty" yaml:"kubernetes,omitempty"` // the API server's gitVersion
	Kind       string `json:"kind,omitempty" yaml:"kind,omitempty"`             // the kind library drainproof was built with
	NodeImage  string `json:"nodeImage,omitempty" yaml:"nodeImage,omitempty"`
	// Images is the run's image table (fixtures, gateway, a profile's
	// proxy and control plane), name → reference.
	Images map[string]string `json:"images,omitempty" yaml:"images,omitempty"`
	// ImageSource says how those images reached the nodes: loaded into kind
	// nodes, pushed to a registry, pulled through a mirror.
	ImageSource string `json:"imageSource,omitempty" yaml:"imageSource,omitempty"`
	// Reached says how the harness reached each probed Service (its
	// LoadBalancer address, or which node address and NodePort).
	Reached []string `json:"reached,omitempty" yaml:"reached,omitempty"`
	// Probers says where the probes ran: "host" (drainproof's own process),
	// or "in-cluster: N prober pods (... on node ...)".
	Probers string `json:"probers,omitempty" yaml:"probers,omitempty"`
	Host    string `json:"host,omitempty" yaml:"host,omitempty"` // OS/arch, CPUs, kernel (never its name)
}

// rows is the environment as (label, value) pairs, empty values left out,
// images sorted by name.
func (e *Environment) rows() [][2]string {
	if e == nil {
		return nil
	}
	var out [][2]string
	add := func(k, v string) {
		if v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	dp := e.Drainproof
	if e.Commit != "" {
		dp += " (commit " + e.Commit + ")"
	}
	add("drainproof", dp)
	add("Kubernetes", e.Kubernetes)
	add("kind", e.Kind)
	add("node image", e.NodeImage)
	names := make([]string, 0, len(e.Images))
	for n := range e.Images {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		add("image "+n, e.Images[n])
	}
	if e.ImageSource != "" {
		add("images", e.ImageSource)
	}
	for _, r := range e.Reached {
		add("reached", r)
	}
	add("probes ran", e.Probers)
	add("host", e.Host)
	return out
}

// DataPlane is what carried a run's traffic.
type DataPlane struct {
	Proxy   string `json:"proxy" yaml:"proxy"`                         // haproxy/nginx, Envoy, "Envoy stand-in (L4)"
	StandIn bool   `json:"standIn,omitempty" yaml:"standIn,omitempty"` // a stand-in: never counts as a pass on the real proxy
	Version string `json:"version,omitempty" yaml:"version,omitempty"` // e.g. the Istio line the control plane was built from
	// NotCarried are the probes (ssh, http, load, outbound) this data plane
	// cannot carry here, each with why: a scenario's such probe is not run
	// (Run.ProbesNotRun), never judged a pass.
	NotCarried map[string]string `json:"notCarried,omitempty" yaml:"notCarried,omitempty"`
}

// String is the data plane as reports print it.
func (d *DataPlane) String() string {
	if d == nil {
		return "not recorded"
	}
	s := d.Proxy
	if d.StandIn {
		s += " — a stand-in, not the real proxy: this result is not a pass on real Envoy"
	}
	if d.Version != "" {
		s += " (" + d.Version + ")"
	}
	return s
}

// Duration is Finished - Started (0 when either is unknown).
func (r Run) Duration() time.Duration {
	if r.Started.IsZero() || r.Finished.IsZero() || r.Finished.Before(r.Started) {
		return 0
	}
	return r.Finished.Sub(r.Started)
}

// Result is one judged run: everything a report needs.
type Result struct {
	Run     Run
	Expect  verdict.Expect
	Verdict verdict.Verdict
	Events  []ledger.Event
}

// Judge evaluates events against exp and bundles the Result.
func Judge(run Run, exp verdict.Expect, events []ledger.Event) Result {
	return Result{Run: run, Expect: exp, Verdict: verdict.Evaluate(exp, events), Events: events}
}

// runFile is run.json: what Regenerate needs besides the ledger.
type runFile struct {
	Run    Run            `json:"run"`
	Expect verdict.Expect `json:"expect"`
}

// WriteRun writes one judged run's reports into dir; see WriteResult.
func WriteRun(dir string, run Run, exp verdict.Expect, v verdict.Verdict, events []ledger.Event) error {
	return WriteResult(dir, Result{Run: run, Expect: exp, Verdict: v, Events: events})
}

// WriteResult writes one run's run.json, verdict.json, junit.xml, summary.md
// and report.html into dir (created if needed). The ledger itself is the
// ledger sink's job (ledger.jsonl).
func WriteResult(dir string, r Result) error {
	files := []struct {
		name   string
		render func(io.Writer) error
	}{
		{RunFile, func(w io.Writer) error { return writeJSON(w, runFile{Run: r.Run, Expect: r.Expect}) }},
		{VerdictFile, func(w io.Writer) error { return writeJSON(w, r.Verdict) }},
		{JUnitFile, func(w io.Writer) error { return JUnit(w, r) }},
		{SummaryFile, func(w io.Writer) error { return Markdown(w, r) }},
		{HTMLFile, func(w io.Writer) error { return HTML(w, r) }},
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.render); err != nil {
			return err
		}
	}
	return nil
}

// suiteEntry is one element of verdicts.json.
type suiteEntry struct {
	Run     Run             `json:"run"`
	Verdict verdict.Verdict `json:"verdict"`
}

// WriteSuite writes several runs' combined reports into dir: verdicts.json,
// junit.xml (one testsuite per run), summary.md and report.html (one SVG
// timeline per run). Each run's own directory is WriteResult's job.
func WriteSuite(dir string, rs []Result) error {
	entries := make([]suiteEntry, len(rs))
	for i, r := range rs {
		entries[i] = suiteEntry{Run: r.Run, Verdict: r.Verdict}
	}
	files := []struct {
		name   string
		render func(io.Writer) error
	}{
		{VerdictsFile, func(w io.Writer) error { return writeJSON(w, entries) }},
		{JUnitFile, func(w io.Writer) error { return JUnit(w, rs...) }},
		{SummaryFile, func(w io.Writer) error { return Markdown(w, rs...) }},
		{HTMLFile, func(w io.Writer) error { return HTML(w, rs...) }},
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.render); err != nil {
			return err
		}
	}
	return nil
}

// LoadRun reads a run directory: ledger.jsonl (required) and run.json
// (optional: without it the scenario is named after the directory and the
// default expectations apply). It judges the events again.
func LoadRun(dir string) (Result, error) {
	events, err := ledger.ReadJSONLines(filepath.Join(dir, LedgerFile))
	if err != nil {
		return Result{}, fmt.Errorf("reports: %w", err)
	}
	rf := runFile{Run: Run{Scenario: filepath.Base(filepath.Clean(dir))}}
	b, err := os.ReadFile(filepath.Join(dir, RunFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return Result{}, fmt.Errorf("reports: %w", err)
	default:
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rf); err != nil {
			return Result{}, fmt.Errorf("reports: %s: %w", filepath.Join(dir, RunFile), err)
		}
		if err := rf.Expect.Validate(); err != nil {
			return Result{}, fmt.Errorf("reports: %s: expect.%w", filepath.Join(dir, RunFile), err)
		}
	}
	return Judge(rf.Run, rf.Expect, events), nil
}

// Rerender judges dir's ledger.jsonl with the given run and expectations and
// rewrites its reports (run.json included).
func Rerender(dir string, run Run, exp verdict.Expect) (Result, error) {
	events, err := ledger.ReadJSONLines(filepath.Join(dir, LedgerFile))
	if err != nil {
		return Result{}, fmt.Errorf("reports: %w", err)
	}
	r := Judge(run, exp, events)
	return r, WriteResult(dir, r)
}

// Regenerate rebuilds reports from ledgers, for `drainproof report DIR`. When
// dir holds ledger.jsonl it is one run; otherwise every immediate
// subdirectory holding one is a run (in name order), each re-rendered in
// place, and dir gets the suite reports. If dir holds a qualification report
// it is rebuilt from the new verdicts too.
func Regenerate(dir string) ([]Result, error) {
	if _, err := os.Stat(filepath.Join(dir, LedgerFile)); err == nil {
		r, err := LoadRun(dir)
		if err != nil {
			return nil, err
		}
		return []Result{r}, WriteResult(dir, r)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(dir, e.Name(), LedgerFile)); err == nil {
				names = append(names, e.Name())
			}
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("reports: %s: no %s in it or in its subdirectories", dir, LedgerFile)
	}
	sort.Strings(names)
	var rs []Result
	for _, n := range names {
		r, err := LoadRun(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		if err := WriteResult(filepath.Join(dir, n), r); err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	if err := WriteSuite(dir, rs); err != nil {
		return nil, err
	}
	if q, err := ReadQualification(filepath.Join(dir, QualificationFile+".json")); err == nil {
		if err := WriteQualification(dir, Qualify(q, rs)); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return rs, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeFile renders into memory first so a failed render leaves no half file.
func writeFile(path string, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return fmt.Errorf("reports: %s: %w", filepath.Base(path), err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}
