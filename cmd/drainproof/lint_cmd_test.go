package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// lintCase copies lint's own test inputs so the CLI is tested on the same
// configurations the rules are.
func lintCase(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "lint", "testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), filepath.Base(rel))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLintManifestsFindingsExit1(t *testing.T) {
	bad := lintCase(t, "grace-shorter-than-drain/istio-drain-60s-default-grace.yaml")
	r := cli(t, "lint", bad)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (findings)\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"Deployment/default/nginx container istio-proxy: grace-shorter-than-drain",
		"spec.template.spec.terminationGracePeriodSeconds = 30s (unset: Kubernetes' default)",
		`vs spec.template.metadata.annotations["proxy.istio.io/config"].terminationDrainDuration = 60s`,
		"fix: set spec.template.spec.terminationGracePeriodSeconds to at least 60",
		bad + ":5 (document 1)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestLintManifestsJSONFromStdin(t *testing.T) {
	b, err := os.ReadFile(lintCase(t, "exit-on-zero-capped-by-grace/injected-pod-list.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cliProgram.Path(t), "lint", "--format", "json", "-")
	cmd.Stdin = strings.NewReader(string(b))
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("err %v, want exit 1; stdout %s", err, out)
	}
	var doc struct {
		Findings []struct {
			Rule   string `json:"rule"`
			Object struct{ Kind, Namespace, Name string }
			Field  struct{ Path, Value string }
			Versus struct{ Path, Value string }
			Source struct {
				File string
				Line int
			}
		} `json:"findings"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
	}
	if len(doc.Findings) != 1 {
		t.Fatalf("findings %+v, want 1", doc.Findings)
	}
	f := doc.Findings[0]
	if f.Rule != "exit-on-zero-capped-by-grace" || f.Object.Name != "sshd-5d9c7b7b9d-x2x4q" || f.Field.Value != "10s" ||
		!strings.HasSuffix(f.Versus.Path, "EXIT_ON_ZERO_ACTIVE_CONNECTIONS") || f.Source.File != "-" || f.Source.Line != 5 {
		t.Errorf("finding %+v", f)
	}
}

func TestLintManifestsGoodDirExit0(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []string{"good/istio-drain-60s-grace-60.yaml", "good/envoy-gateway-proxy.yaml", "good/envoy-poll-loop-grace-one-day.yaml"} {
		b, err := os.ReadFile(lintCase(t, c))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(c)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A chart template in the directory is skipped, not misread.
	if err := os.WriteFile(filepath.Join(dir, "tmpl.yaml"), []byte("replicas: {{ .Values.replicas }}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := cli(t, "lint", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "no drain findings") || !strings.Contains(r.stderr, "tmpl.yaml: a template") {
		t.Fatalf("exit %d, want 0\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
}

func TestLintManifestsBadInputExit2(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b\n"), 0o644)
	wrongType := filepath.Join(dir, "wrongtype.yaml")
	os.WriteFile(wrongType, []byte("# comment\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      terminationGracePeriodSeconds: \"sixty\"\n      containers: [{name: c, image: i}]\n"), 0o644)
	noKind := filepath.Join(dir, "values.yaml")
	os.WriteFile(noKind, []byte("replicas: 2\n"), 0o644)
	badAnno := filepath.Join(dir, "anno.yaml")
	os.WriteFile(badAnno, []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {proxy.istio.io/config: 'terminationDrainDuration: soon'}\nspec: {containers: [{name: c, image: i}]}\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"yaml syntax", []string{"lint", broken}, []string{broken, "document 2", "line"}},
		{"field type", []string{"lint", wrongType}, []string{wrongType + ":2 (document 1)", "Deployment/default/d", "terminationGracePeriodSeconds"}},
		{"not an object", []string{"lint", noKind}, []string{noKind, "apiVersion and kind"}},
		{"bad annotation", []string{"lint", badAnno}, []string{badAnno, `metadata.annotations["proxy.istio.io/config"].terminationDrainDuration`, "soon"}},
		{"missing file", []string{"lint", filepath.Join(dir, "nope.yaml")}, []string{"nope.yaml: no such file"}},
		{"bad format", []string{"lint", "--format", "xml", broken}, []string{"--format"}},
		{"unreadable kubeconfig", []string{"lint", "--kubeconfig", filepath.Join(dir, "nope")}, []string{"--kubeconfig"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, tc.args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, r.stderr)
				}
			}
		})
	}
}

// A scenario file given by path is validated as a scenario (its manifests
// beside it), as is a catalog name.
func TestLintScenarioFilesStillValidated(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "..", "scenarios", "catalog", "gateway-rollout-ssh.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	man, err := os.ReadFile(filepath.Join("..", "..", "scenarios", "catalog", "manifests", "haproxy-ssh-gateway.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// A file outside the catalog stands alone: no twins to resolve.
	src = []byte(strings.Replace(string(src), "twins: [gateway-rollout-ssh-nodrain, gateway-linger]\n", "", 1))
	if err := os.MkdirAll(filepath.Join(dir, "manifests"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifests", "haproxy-ssh-gateway.yaml"), man, 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "gateway-rollout-ssh.yaml")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		t.Fatal(err)
	}
	r := cli(t, "lint", file, "gateway-linger")
	if r.code != 0 || !strings.Contains(r.stdout, "ok  gateway-rollout-ssh") || !strings.Contains(r.stdout, "ok  gateway-linger") {
		t.Fatalf("exit %d, want 0 with the scenario validated\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	// A built-in scenario linted by its path in the repository reads the same manifests as its
	// catalog name (they live beside it in scenarios/catalog/manifests/).
	builtin := filepath.Join("..", "..", "scenarios", "catalog", "envoy-gateway-rollout-ssh.yaml")
	if r := cli(t, "lint", builtin); r.code != 0 || !strings.Contains(r.stdout, "ok  envoy-gateway-rollout-ssh") {
		t.Fatalf("lint %s: exit %d, want 0\nstdout %s\nstderr %s", builtin, r.code, r.stdout, r.stderr)
	}
}

// Istio-injected workloads are judged in the form Istio's own injection
// renders when the istio profile's istioctl is in the cache; on a cold cache
// (or --istio-injection=false) lint says on stderr (and in JSON) that it
// inferred the sidecars from annotations — never silently — and still finds
// what the annotations show.
func TestLintIstioInjectionRenderedOrSaysWhyNot(t *testing.T) {
	bad := lintCase(t, "exit-on-zero-capped-by-grace/mesh-default-config.yaml")
	cold := exec.Command(cliProgram.Path(t), "lint", "--format", "json", bad)
	cold.Env = append(os.Environ(), "DRAINPROOF_CACHE="+t.TempDir())
	out, err := cold.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("cold cache: err %v, want exit 1; stdout %s", err, out)
	}
	var doc struct {
		Findings []struct{ Rule, RenderedBy string }
		Notes    []string
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Findings) != 1 || doc.Findings[0].Rule != "exit-on-zero-capped-by-grace" || doc.Findings[0].RenderedBy != "" ||
		len(doc.Notes) != 1 || !strings.Contains(doc.Notes[0], "istioctl is not built") || !strings.Contains(doc.Notes[0], "inferred from their annotations") {
		t.Fatalf("cold cache: %+v", doc)
	}
	if r := cli(t, "lint", "--istio-injection=false", bad); r.code != 1 || !strings.Contains(r.stderr, "note: --istio-injection=false: the Istio sidecars of 1 workload(s) are inferred") {
		t.Fatalf("--istio-injection=false: exit %d\nstderr %s", r.code, r.stderr)
	}
	r := cli(t, "lint", bad)
	if strings.Contains(r.stderr, "istioctl is not built") {
		t.Skipf("cold cache here (the Istio profile builds istioctl): %s", r.stderr)
	}
	if r.code != 1 || !strings.Contains(r.stderr, "note: 1 workload(s) judged in their injected form, rendered by istioctl kube-inject") ||
		!strings.Contains(r.stdout, "(read from the injected form rendered by istioctl kube-inject") {
		t.Fatalf("warm cache: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
}
