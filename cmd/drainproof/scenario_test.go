package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const goodScenario = `apiVersion: drainproof.dev/v1alpha1
kind: Scenario
name: x
description: d
manifests: m.yaml
ready: [deployment/a]
probes:
  ssh: {service: gw, port: 2222, sessions: 2, lifetime: 5s}
disruption: {action: rollout-restart, target: deployment/gw}
expect: {maxDrops: 0}
timeout: 1m
`

// scenarioDir writes a manifest and the given scenario files into a new directory.
func scenarioDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["m.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// lint reports every bad file, each with its file and field path, and exits 2.
func TestLintReportsEveryBadFile(t *testing.T) {
	dir := scenarioDir(t, map[string]string{
		"good.yaml":   goodScenario,
		"typo.yaml":   strings.Replace(goodScenario, "sessions: 2", "sesions: 2", 1),
		"nomanf.yaml": strings.Replace(goodScenario, "manifests: m.yaml", "manifests: gone.yaml", 1),
	})
	r := cli(t, "lint", filepath.Join(dir, "typo.yaml"), filepath.Join(dir, "good.yaml"), filepath.Join(dir, "nomanf.yaml"))
	for _, want := range []string{"typo.yaml: probes.ssh.sesions: unknown field", `nomanf.yaml: manifests: "gone.yaml" not found`, "2 of 3 scenarios failed"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if r.code != 2 || !strings.Contains(r.stdout, "ok  x") {
		t.Errorf("exit %d, stdout %q: want exit 2 and the good file ok", r.code, r.stdout)
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", r.stderr)
	}
}

// A scenario that fails validation is rejected before any cluster work and
// leaves no --out directory behind.
func TestRunBadScenarioCreatesNoOut(t *testing.T) {
	dir := scenarioDir(t, map[string]string{
		"typo.yaml":   strings.Replace(goodScenario, "lifetime: 5s", `lifetime: "25 seconds"`, 1),
		"nomanf.yaml": strings.Replace(goodScenario, "manifests: m.yaml", "manifests: ../m.yaml", 1),
		"twin.yaml":   strings.Replace(goodScenario, "manifests: m.yaml", "manifests: m.yaml\ntwins: [nobody]", 1),
	})
	for file, want := range map[string]string{
		"typo.yaml":   `probes.ssh.lifetime: duration "25 seconds"`,
		"nomanf.yaml": "manifests: ",
		"twin.yaml":   `twins[0]: "nobody"`,
	} {
		out := filepath.Join(t.TempDir(), "out")
		// PATH without docker: should validation ever let it through, the
		// cluster work fails at once instead of creating a cluster.
		r := cliEnv(t, []string{"PATH=/nonexistent"}, "run", "--scenario", filepath.Join(dir, file), "--out", out, "--cluster", "drainproof-never-created")
		if r.code != 2 || !strings.Contains(r.stderr, file) || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, stderr %q: want exit 2 naming the file and %q", file, r.code, r.stderr, want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: --out %s exists after a failed validation (%v)", file, out, err)
		}
	}
}

// cliEnv is cli with env added to the CLI's environment.
func cliEnv(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(cliProgram.Path(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cliResult{cmd.ProcessState.ExitCode(), out.String(), errb.String()}
}
