package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

func header() QualificationReport {
	return QualificationReport{
		Implementation: Implementation{Organization: "haproxy", Project: "haproxy", URL: "https://www.haproxy.org", Version: "3.0.11", Contact: []string{"@drainproof/maintainers"}},
		Profile:        "manifests",
		Versions:       map[string]string{"drainproof": "v0.1.0", "kubernetes": "v1.33.13", "kind": "v0.33.0"},
		Mode:           "air-gapped",
		Cluster:        "drainproof",
		Reproduce:      "make e2e LABELS=profile=manifests AIR_GAPPED=true",
	}
}

func TestQualificationReport(t *testing.T) {
	q := Qualify(header(), []Result{goodRun(), twinRun()})
	if q.APIVersion != "drainproof.dev/v1alpha1" || q.Kind != "QualificationReport" || !q.Date.Equal(ms(7000)) {
		t.Fatalf("header %s %s %v", q.APIVersion, q.Kind, q.Date)
	}
	s := q.Summary
	if s.Result != ResultPass || s.Scenarios != 2 || s.Passed != 2 || s.NegativeControls != 1 || s.ControlsHeld != 1 {
		t.Fatalf("summary %+v", s)
	}
	twin := q.Results[1]
	if twin.Kind != KindNegativeControl || twin.Result != ResultPass || twin.VerdictPass || twin.ControlHeld == nil || !*twin.ControlHeld ||
		twin.TwinOf != "gateway-rollout-ssh" || twin.Drops != 6 || strings.Join(twin.FailedChecks, ",") != "drops" {
		t.Errorf("twin result %+v", twin)
	}
	if q.Results[0].Reproduce != "drainproof run --scenario gateway-rollout-ssh --cluster drainproof --out 'out/gateway rollout'" ||
		q.Results[0].Digest == "" || q.Results[0].ScenarioFile != "catalog/gateway-rollout-ssh.yaml" {
		t.Errorf("reproduce %q", q.Results[0].Reproduce)
	}
	dir := t.TempDir()
	if err := WriteQualification(dir, q); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"qualification.yaml", "qualification.json"} {
		golden(t, filepath.Join("qualification", f), readFile(t, dir, f))
		back, err := ReadQualification(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if mustJSON(t, back) != mustJSON(t, q) {
			t.Errorf("%s does not round-trip:\n%s\n%s", f, mustJSON(t, back), mustJSON(t, q))
		}
	}
	if y := string(readFile(t, dir, "qualification.yaml")); !strings.HasPrefix(y, "apiVersion: drainproof.dev/v1alpha1\nkind: QualificationReport\n") {
		t.Errorf("yaml does not start with apiVersion and kind:\n%s", y)
	}
}

func TestQualificationFailsOnARegressionOrBrokenControl(t *testing.T) {
	broken := Judge(Run{Scenario: "gateway-rollout-ssh-nodrain", TwinOf: "gateway-rollout-ssh"}, twinExpect(), goodRun().Events)
	q := Qualify(header(), []Result{goodRun(), badRun(), broken})
	s := q.Summary
	if s.Result != ResultFail || s.Failed != 2 || strings.Join(s.FailedScenarios, ",") != "gateway-rollout-ssh-regressed,gateway-rollout-ssh-nodrain" {
		t.Fatalf("summary %+v", s)
	}
	if !strings.Contains(q.Results[1].Message, "6 of 6 connections dropped") || q.Results[2].ControlHeld == nil || *q.Results[2].ControlHeld {
		t.Errorf("results %+v", q.Results)
	}
	if Qualify(header(), nil).Summary.Result != ResultFail {
		t.Error("an empty qualification passed")
	}
}

func TestReadQualificationRejectsForeignDocuments(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"wrong-version.yaml": "apiVersion: gateway.networking.k8s.io/v1\nkind: QualificationReport\n",
		"wrong-kind.yaml":    "apiVersion: drainproof.dev/v1alpha1\nkind: ConformanceReport\n",
		"unknown.json":       `{"apiVersion":"drainproof.dev/v1alpha1","kind":"QualificationReport","surprise":1}`,
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadQualification(path)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// writeLedger writes events as the run's ledger sink would.
func writeLedger(t *testing.T, dir string, events []ledger.Event) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sink, err := ledger.CreateJSONLines(filepath.Join(dir, LedgerFile))
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.New(sink)
	for _, e := range events {
		e.Seq = 0
		if err := l.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRegenerateOneRunFromItsLedger(t *testing.T) {
	dir := t.TempDir()
	r := twinRun()
	writeLedger(t, dir, r.Events)
	if err := WriteResult(dir, r); err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for _, f := range []string{VerdictFile, JUnitFile, SummaryFile, HTMLFile} {
		want[f] = readFile(t, dir, f)
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := Regenerate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Run.TwinOf != "gateway-rollout-ssh" || rs[0].Expect.ExpectFailure == nil {
		t.Fatalf("regenerated %+v", rs)
	}
	for f, w := range want {
		if got := readFile(t, dir, f); string(got) != string(w) {
			t.Errorf("%s differs after regenerating from the ledger", f)
		}
	}
}

func TestRegenerateWithoutRunFileJudgesWithDefaults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "attach-probe")
	writeLedger(t, dir, twinRun().Events)
	rs, err := Regenerate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Run.Scenario != "attach-probe" || rs[0].Verdict.Pass || rs[0].Verdict.Drops != 6 || rs[0].Verdict.Control != nil {
		t.Fatalf("default judgement %+v", rs[0].Verdict)
	}
}

func TestRegenerateASuiteDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, r := range []Result{goodRun(), twinRun()} {
		sub := filepath.Join(dir, r.Run.Scenario)
		writeLedger(t, sub, r.Events)
		if err := WriteResult(sub, r); err != nil {
			t.Fatal(err)
		}
	}
	old := Qualify(header(), []Result{goodRun()}) // stale: one result
	old.Date = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if err := WriteQualification(dir, old); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "not-a-run"), 0o755); err != nil {
		t.Fatal(err)
	}
	rs, err := Regenerate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Run.Scenario != "gateway-rollout-ssh" || rs[1].Run.Scenario != "gateway-rollout-ssh-nodrain" {
		t.Fatalf("runs %+v", rs)
	}
	html := string(readFile(t, dir, HTMLFile))
	if strings.Count(html, "<svg ") != 2 {
		t.Error("suite HTML lacks one timeline per run")
	}
	q, err := ReadQualification(filepath.Join(dir, "qualification.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Results) != 2 || !q.Date.Equal(old.Date) || q.Implementation.Version != "3.0.11" {
		t.Errorf("qualification not rebuilt from the new verdicts: %+v", q)
	}
}

func TestRegenerateErrorsNameTheFile(t *testing.T) {
	empty := t.TempDir()
	if _, err := Regenerate(empty); err == nil || !strings.Contains(err.Error(), empty) || !strings.Contains(err.Error(), LedgerFile) {
		t.Errorf("empty dir: %v", err)
	}
	dir := t.TempDir()
	writeLedger(t, dir, goodRun().Events)
	if err := os.WriteFile(filepath.Join(dir, RunFile), []byte(`{"run":{"scenario":"x"},"expect":{"maxDrops":-1}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Regenerate(dir); err == nil || !strings.Contains(err.Error(), "run.json: expect.maxDrops") {
		t.Errorf("bad run.json: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, RunFile), []byte(`{"run":{"scenari":"x"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Regenerate(dir); err == nil || !strings.Contains(err.Error(), "run.json") || !strings.Contains(err.Error(), "scenari") {
		t.Errorf("unknown field: %v", err)
	}
}

// A pass whose traffic went through the L4 Envoy stand-in is a result class of
// its own: never "pass", and the whole report is at best pass-on-stand-in.
func TestQualificationStandInIsNeverAPlainPass(t *testing.T) {
	standIn := goodRun()
	standIn.Run.DataPlane = &DataPlane{Proxy: "Envoy stand-in (L4)", StandIn: true, Version: "Istio 1.30 line"}
	real := twinRun()
	real.Run.DataPlane = &DataPlane{Proxy: "haproxy"}
	q := Qualify(header(), []Result{standIn, real})
	if q.Results[0].Result != ResultPassStandIn || q.Results[0].DataPlane == nil || !q.Results[0].DataPlane.StandIn {
		t.Fatalf("stand-in result %+v", q.Results[0])
	}
	if q.Results[1].Result != ResultPass {
		t.Fatalf("real result %+v", q.Results[1])
	}
	if s := q.Summary; s.Result != ResultPassStandIn || s.PassedOnStandIn != 1 || s.Passed != 2 {
		t.Fatalf("summary %+v", s)
	}
	var md strings.Builder
	if err := Markdown(&md, standIn); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "— PASS (data plane: Envoy stand-in (L4), a stand-in, not the real proxy)") {
		t.Errorf("summary.md's headline says PASS alone for a stand-in run:\n%s", md.String())
	}
	if !strings.Contains(md.String(), "| data plane | Envoy stand-in (L4) — a stand-in, not the real proxy") {
		t.Errorf("summary.md does not label the stand-in:\n%s", md.String())
	}
}

// An incomplete run is counted apart, with its reason; it is never a pass,
// and a suite with no failure but an incomplete run is "incomplete".
func TestQualificationCountsIncompleteApart(t *testing.T) {
	q := Qualify(header(), []Result{goodRun(), twinRun(), incompleteRun()})
	s := q.Summary
	if s.Result != ResultIncomplete || s.Passed != 2 || s.Failed != 0 || s.Incomplete != 1 ||
		strings.Join(s.IncompleteScenarios, ",") != "gateway-rollout-ssh" || len(s.FailedScenarios) != 0 {
		t.Fatalf("summary %+v", s)
	}
	r := q.Results[2]
	if r.Result != ResultIncomplete || !strings.Contains(r.Message, "interrupted (interrupt)") {
		t.Fatalf("incomplete result %+v", r)
	}
	if q := Qualify(header(), []Result{incompleteRun(), badRun()}); q.Summary.Result != ResultFail || q.Summary.Failed != 1 || q.Summary.Incomplete != 1 {
		t.Fatalf("a failure wins over incomplete: %+v", q.Summary)
	}
}

// A qualification that ran only part of the profile's catalog is partial,
// never pass; not-run scenarios keep their reason through `drainproof
// report` (Qualify on the report it wrote); the implementation and versions
// come from the runs when the header does not name them.
func TestQualificationPartialSkippedAndNotRun(t *testing.T) {
	h := QualificationReport{Profile: "manifests", Catalog: []string{"gateway-rollout-ssh", "gateway-rollout-ssh-nodrain", "gateway-evict-ssh", "gateway-rollout-http"},
		Results: []ScenarioResult{{Name: "gateway-rollout-http", Kind: KindScenario, Result: ResultNotRun, Message: "not run: needs two nodes"}}}
	q := Qualify(h, []Result{goodRun(), twinRun()})
	s := q.Summary
	if s.Result != ResultPartial || s.Scenarios != 4 || s.Passed != 2 || s.Skipped != 1 || s.NotRun != 1 || s.Failed != 0 {
		t.Fatalf("summary %+v", s)
	}
	if sk := q.Results[2]; sk.Name != "gateway-evict-ssh" || sk.Result != ResultSkipped || sk.Message == "" {
		t.Errorf("skipped %+v", sk)
	}
	if nr := q.Results[3]; nr.Result != ResultNotRun || nr.Message != "not run: needs two nodes" {
		t.Errorf("not run %+v", nr)
	}
	if q.Implementation.Project != "haproxy" || q.Implementation.Version != "3.0.11" {
		t.Errorf("implementation %+v, want the runs' data plane", q.Implementation)
	}
	for _, k := range []string{"drainproof", "drainproofCommit", "kubernetes", "kind", "nodeImage", "image/gateway"} {
		if q.Versions[k] == "" {
			t.Errorf("versions lack %s: %v", k, q.Versions)
		}
	}
	again := Qualify(q, []Result{goodRun(), twinRun()})
	if mustJSON(t, again) != mustJSON(t, q) {
		t.Errorf("regenerating changes the report:\n%s\n%s", mustJSON(t, again), mustJSON(t, q))
	}
	full := Qualify(QualificationReport{Catalog: []string{"gateway-rollout-ssh", "gateway-rollout-ssh-nodrain"}}, []Result{goodRun(), twinRun()})
	if full.Summary.Result != ResultPass {
		t.Errorf("the whole catalog ran and passed: %+v", full.Summary)
	}
}
