package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"sigs.k8s.io/yaml"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

// Help is asked for, not an error: stdout, exit 0, every flag as --flag,
// and the exit codes in every command's help.
func TestHelpOnStdoutExit0(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"help"}, {"help", "probe"}, {"help", "cluster", "up"},
		{"probe", "--help"}, {"run", "-h"}, {"report", "--help"}, {"list", "--help"}, {"lint", "--help"},
		{"cluster", "--help"}, {"cluster", "image", "--help"}, {"cluster", "up", "--help"}, {"cluster", "down", "--help"},
		{"version", "--help"}, {"completion", "--help"}, {"completion", "bash", "--help"},
	} {
		r := cli(t, args...)
		if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "Usage:") || !strings.Contains(r.stdout, "3 INCOMPLETE") {
			t.Errorf("%v: exit %d, stderr %q, stdout:\n%s\nwant exit 0, help with the exit codes on stdout only", args, r.code, r.stderr, r.stdout)
		}
		// pflag prints long flags as --flag; a Go-flag-style "-flag" would be a regression.
		if m := regexp.MustCompile(`(?m)^\s+-[a-z][a-z-]+\s`).FindString(r.stdout); m != "" {
			t.Errorf("%v: single-dash long flag %q in help", args, m)
		}
	}
	if r := cli(t, "probe", "--help"); !strings.Contains(r.stdout, "--ssh-known-hosts FILE") || !strings.Contains(r.stdout, "--disrupt COMMAND") {
		t.Errorf("probe help lacks its flags:\n%s", r.stdout)
	}
}

// No command at all is a usage error: help on stderr, exit 2.
func TestNoCommandExits2(t *testing.T) {
	r := cli(t)
	if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "Available Commands:") || !strings.Contains(r.stderr, errorPrefix+"no command given") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}

// Every error is one line on stderr behind the one prefix, and exits 2.
func TestErrorsHaveOnePrefix(t *testing.T) {
	for _, args := range [][]string{
		{"frobnicate"}, {"probe", "--bogus"}, {"probe", "--out", t.TempDir()}, {"probe", "extra"},
		{"run"}, {"run", "--scenario", "nosuch", "--out", t.TempDir()}, {"report"}, {"cluster"}, {"cluster", "sideways"},
		{"list", "-o", "toml"}, {"list", "-l", "=="}, {"version", "-o", "xml"}, {"cluster", "image", "--rebuild"},
	} {
		r := cli(t, args...)
		if r.code != 2 || !strings.HasPrefix(r.stderr, errorPrefix) || strings.Contains(r.stderr, "Usage:") {
			t.Errorf("%v: exit %d, stderr %q: want exit 2, one %q error and no usage dump", args, r.code, r.stderr, errorPrefix)
		}
	}
}

// A flag given twice is refused (pflag alone would keep the last).
func TestDuplicateFlagRefused(t *testing.T) {
	out := t.TempDir()
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"probe", "--ssh", "127.0.0.1:1", "--ssh", "127.0.0.1:2", "--out", out}, "--ssh"},
		{[]string{"probe", "--http", "http://127.0.0.1:1/", "--out", out, "--out", out}, "--out"},
		{[]string{"probe", "--http", "http://127.0.0.1:1/", "--out", out, "--duration=5s", "--duration", "6s"}, "--duration"},
		{[]string{"run", "--keep", "--keep", "--scenario", "x", "--out", out}, "--keep"},
		{[]string{"list", "-o", "json", "--output", "yaml"}, "--output"},
		{[]string{"list", "-l", "a=b", "--selector", "c=d"}, "--selector"},
	} {
		r := cli(t, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.flag+`" flag: given twice`) {
			t.Errorf("%v: exit %d, stderr %q: want exit 2 naming %s given twice", tc.args, r.code, r.stderr, tc.flag)
		}
	}
}

func TestVersion(t *testing.T) {
	r := cli(t, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "drainproof ") || !strings.Contains(r.stdout, "(commit ") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	var info struct{ Version, Commit, GoVersion string }
	if r := cli(t, "version", "-o", "json"); r.code != 0 || json.Unmarshal([]byte(r.stdout), &info) != nil || info.Version == "" || info.Commit == "" || info.GoVersion == "" {
		t.Fatalf("version -o json: exit %d, %q → %+v", r.code, r.stdout, info)
	}
}

// The release build's -ldflags set the version; the commit comes from the
// toolchain's vcs.revision when -ldflags leaves it out (Go stamps none in a
// git worktree, whose .git is a file: then it is "unknown", never a guess).
var ldflagsProgram = testsupport.NewProgram("github.com/drainproof/drainproof/cmd/drainproof",
	"GOFLAGS=-buildvcs=true -ldflags=-X=github.com/drainproof/drainproof/internal/buildinfo.version=v9.9.9-test")

func TestVersionFromLdflagsAndVCS(t *testing.T) {
	out, err := exec.Command(ldflagsProgram.Path(t), "version", "-o", "json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var info struct{ Version, Commit string }
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatal(err)
	}
	if info.Version != "v9.9.9-test" {
		t.Errorf("version %q, want the -ldflags one", info.Version)
	}
	want := "unknown"
	if top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output(); err == nil {
		if st, err := os.Stat(filepath.Join(strings.TrimSpace(string(top)), ".git")); err == nil && st.IsDir() {
			head, _ := exec.Command("git", "rev-parse", "HEAD").Output()
			want = strings.TrimSpace(string(head))
		}
	}
	if info.Commit != want {
		t.Errorf("commit %q, want %s", info.Commit, want)
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		r := cli(t, "completion", sh)
		if r.code != 0 || len(r.stdout) < 500 || !strings.Contains(r.stdout, "drainproof") {
			t.Errorf("completion %s: exit %d, %d bytes, stderr %q", sh, r.code, len(r.stdout), r.stderr)
		}
	}
	// Dynamic completion of --scenario offers the catalog.
	if r := cli(t, "__complete", "run", "--scenario", "gateway-"); r.code != 0 || !strings.Contains(r.stdout, "gateway-rollout-ssh\t") {
		t.Errorf("--scenario completion: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestListFits100ColumnsWithDescriptions(t *testing.T) {
	r := cli(t, "list")
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if r.code != 0 || len(lines) < 3 || !strings.HasPrefix(lines[0], "NAME") || !strings.HasSuffix(lines[0], "DESCRIPTION") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	cutSome := false
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > listWidth {
			t.Errorf("%d columns: %q", n, l)
		}
		cutSome = cutSome || strings.HasSuffix(l, "...")
	}
	if !cutSome {
		t.Errorf("no description was cut: the catalog's long ones must be\n%s", r.stdout)
	}
	if !regexp.MustCompile(`(?m)^gateway-rollout-ssh-nodrain +fail `).MatchString(r.stdout) {
		t.Errorf("twin not marked as must-fail:\n%s", r.stdout)
	}
	if w := cli(t, "list", "-o", "wide"); w.code != 0 || !strings.Contains(w.stdout, "LABELS") || !strings.Contains(w.stdout, "suite=smoke") {
		t.Errorf("-o wide: exit %d\n%s", w.code, w.stdout)
	}
}

// scenarioItems is what list -o json|yaml must parse into.
type scenarioItems struct {
	Kind  string `json:"kind"`
	Items []struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"items"`
}

func TestListJSONAndYAMLParse(t *testing.T) {
	var all, smoke scenarioItems
	r := cli(t, "list", "-o", "json")
	if err := json.Unmarshal([]byte(r.stdout), &all); r.code != 0 || err != nil || all.Kind != "ScenarioList" || len(all.Items) == 0 {
		t.Fatalf("-o json: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	r = cli(t, "list", "-l", "suite=smoke", "-o", "yaml")
	if err := yaml.Unmarshal([]byte(r.stdout), &smoke); r.code != 0 || err != nil || len(smoke.Items) == 0 {
		t.Fatalf("-o yaml: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	for _, it := range smoke.Items {
		if it.Labels["suite"] != "smoke" || it.Name == "" {
			t.Errorf("-l suite=smoke listed %+v", it)
		}
	}
	var none scenarioItems
	r = cli(t, "list", "-l", "suite=nonexistent", "-o", "json")
	if err := json.Unmarshal([]byte(r.stdout), &none); r.code != 0 || err != nil || len(none.Items) != 0 || !strings.Contains(r.stderr, `No scenarios match the selector "suite=nonexistent"`) {
		t.Fatalf("empty selection: exit %d, %v, stdout %q, stderr %q", r.code, err, r.stdout, r.stderr)
	}
	if r := cli(t, "list", "-l", "suite=nonexistent"); r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "No scenarios match") {
		t.Fatalf("empty table: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// Off a terminal (the tests' pipes, as CI logs) the probe prints whole
// progress lines, never carriage returns; "up" counts the HTTP probe's own
// connections, never the load generator's pool.
func TestProbeProgressLinesOffTerminal(t *testing.T) {
	srv := testsupport.StartHTTPD(t, nil)
	r := cli(t, "probe", "--http", srv.URL+"/", "--connections", "3", "--interval", "50ms", "--load", srv.URL+"/", "--rate", "100",
		"--lifetime", "2s", "--duration", "10s", "--progress-every", "300ms", "--out", t.TempDir())
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.ContainsAny(r.stderr, "\r\033") {
		t.Errorf("terminal control characters in a non-terminal's output: %q", r.stderr)
	}
	re := regexp.MustCompile(`(?m)^progress +\d+\.\ds  up (\d+)/3  drops \d+  stalls \d+  dial failures \d+  requests \d+  errors \d+  \(load: \d+ pooled connections\)$`)
	ms := re.FindAllStringSubmatch(r.stderr, -1)
	if len(ms) < 3 {
		t.Fatalf("%d progress lines, want one every 300ms of a 2s run:\n%s", len(ms), r.stderr)
	}
	full := false
	for _, m := range ms {
		full = full || m[1] == "3"
	}
	if !full {
		t.Errorf("no line shows the 3 HTTP connections up:\n%s", r.stderr)
	}
}

// The counts a progress line shows, stalls included (the probes' Stats have
// none: they come from the ledger).
func TestProgressLineCountsStalls(t *testing.T) {
	stalls := &kindCounter{kind: ledger.Stall}
	l := ledger.New(stalls)
	for _, k := range []ledger.Kind{ledger.Stall, ledger.Established, ledger.Stall} {
		if err := l.Add(ledger.Event{Kind: k, Probe: "ssh"}); err != nil {
			t.Fatal(err)
		}
	}
	p := progress{up: 4, planned: 5, stalls: stalls.n.Load(), drops: 1}
	if got := p.line(1500 * 1e6); got != "   1.5s  up 4/5  drops 1  stalls 2  dial failures 0  requests 0  errors 0" {
		t.Errorf("line %q", got)
	}
}

// In a GitHub Actions step, the run's summary.md is appended to the job's summary.
func TestProbeAppendsGitHubStepSummary(t *testing.T) {
	srv := testsupport.StartHTTPD(t, nil)
	out := t.TempDir()
	step := filepath.Join(t.TempDir(), "step_summary")
	if err := os.WriteFile(step, []byte("before\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := cliEnv(t, []string{"GITHUB_STEP_SUMMARY=" + step}, "probe", "--http", srv.URL+"/", "--connections", "2", "--lifetime", "1s", "--duration", "10s", "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	md, err := os.ReadFile(filepath.Join(out, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(step)
	if err != nil || string(got) != "before\n"+string(md)+"\n" {
		t.Fatalf("step summary %q (%v), want the earlier content then summary.md", got, err)
	}
}
