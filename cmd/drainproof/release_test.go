package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/drainproof/drainproof/internal/cluster"
)

// Registry mode with a registry that cannot be reached: the run is NOT RUN (exit 3), its
// reports name both images, and nothing but the NOT RUN report is written — no cluster made.
func TestRunRegistryModeUnreachableIsNotRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	name := "dp-ireg-never"
	r := cli(t, "run", "--scenario", "istio-ssh-exit-on-zero", "--istio-version", "1.26.3",
		"--image-registry", "127.0.0.1:1/istio", "--cluster", name, "--out", out)
	if r.code != exitIncomplete {
		t.Fatalf("exit %d, want %d (NOT RUN)\nstdout: %s\nstderr: %s", r.code, exitIncomplete, r.stdout, r.stderr)
	}
	for _, ref := range []string{"127.0.0.1:1/istio/pilot:1.26.3", "127.0.0.1:1/istio/proxyv2:1.26.3"} {
		if !strings.Contains(r.stderr, ref) || !strings.Contains(r.stdout, ref) {
			t.Errorf("output does not name %s\nstdout: %s\nstderr: %s", ref, r.stdout, r.stderr)
		}
	}
	if !strings.HasPrefix(r.stdout, "NOT RUN:") {
		t.Errorf("stdout does not lead with NOT RUN: %s", r.stdout)
	}
	v := readVerdict(t, out)
	if v.Outcome != "NOT RUN" || v.Pass || len(v.IncompleteReasons) != 1 || !strings.Contains(v.IncompleteReasons[0], "proxyv2:1.26.3") {
		t.Errorf("verdict.json: %+v", v)
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	want := []string{"junit.xml", "ledger.jsonl", "report.html", "run.json", "summary.md", "verdict.json"}
	if !slices.Equal(got, want) {
		t.Errorf("--out holds %v; want only the NOT RUN report %v", got, want)
	}
	if md, _ := os.ReadFile(filepath.Join(out, "summary.md")); !strings.Contains(string(md), "NOT RUN") || !strings.Contains(string(md), "Envoy (Istio proxyv2 1.26.3)") {
		t.Errorf("summary.md does not say NOT RUN on proxyv2 1.26.3:\n%s", md)
	}
	// `drainproof report` re-judges the ledger to the same NOT RUN.
	if rr := cli(t, "report", out); rr.code != exitIncomplete || !strings.Contains(rr.stdout, "NOT RUN") {
		t.Errorf("report: exit %d: %s %s", rr.code, rr.stdout, rr.stderr)
	}
	if strings.Contains(r.stderr, "creating kind cluster") {
		t.Errorf("the run went on to cluster work:\n%s", r.stderr)
	}
	if names, err := cluster.List(context.Background()); err == nil && slices.Contains(names, name) {
		t.Errorf("kind cluster %s exists after a NOT RUN", name)
	}
}

// Bad release flags are usage errors (exit 2) naming the flag, before anything is written.
func TestReleaseFlagsBadInputExits2(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--istio-version", "1.26"}, "--istio-version"},
		{[]string{"--istio-version", "latest"}, "--istio-version"},
		{[]string{"--profile-version", "nosuch=1.26.3"}, `--profile-version: profile "nosuch": unknown`},
		{[]string{"--profile-version", "envoy=1.26.3"}, "--profile-version: profile envoy has no registry mode"},
		{[]string{"--profile-version", "istio"}, "--profile-version"},
		{[]string{"--istio-version", "1.26.3,1.27.1"}, "--istio-version: 2 versions of istio for one run"},
		{[]string{"--istio-version", "1.26.3", "--image-registry", "docker.io"}, "--image-registry"},
		{[]string{"--image-registry", "docker.io/istio"}, "--image-registry"},
	} {
		out := filepath.Join(t.TempDir(), "r")
		r := cli(t, append([]string{"run", "--scenario", "istio-ssh-exit-on-zero", "--out", out}, c.args...)...)
		if r.code != exitSetup || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming %q", c.args, r.code, r.stderr, c.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%v: --out exists after bad input", c.args)
		}
	}
	r := cli(t, "run", "--scenario", "gateway-rollout-ssh", "--istio-version", "1.26.3", "--out", filepath.Join(t.TempDir(), "r"))
	if r.code != exitSetup || !strings.Contains(r.stderr, "--istio-version: the scenario's profile is manifests, not istio") {
		t.Errorf("istio version for a manifests scenario: exit %d, %q", r.code, r.stderr)
	}
}

// Profile versions are matrix columns: one cell per release; cells whose images cannot be had
// are NOT RUN with the reason, and a Kubernetes version with no runnable cell gets no cluster.
func TestMatrixProfileVersionsAreColumnsNotRunWithoutRegistry(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m")
	r := cli(t, "matrix", "--k8s", cluster.DefaultKubernetes, "--labels", "profile=istio", "--istio-version", "1.26.3,1.27.1",
		"--image-registry", "127.0.0.1:1/istio", "--cluster-prefix", "dp-ireg-never", "--out", out)
	if r.code != exitFail {
		t.Fatalf("exit %d, want 1 (not every cell as expected)\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	for _, cell := range []string{"istio-1.26.3@" + cluster.DefaultKubernetes, "istio-1.27.1@" + cluster.DefaultKubernetes} {
		if !strings.Contains(r.stdout, cell) {
			t.Errorf("stdout lacks cell %s:\n%s", cell, r.stdout)
		}
	}
	md, err := os.ReadFile(filepath.Join(out, "matrix.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"NOT RUN", "127.0.0.1:1/istio/proxyv2:1.26.3", "127.0.0.1:1/istio/pilot:1.27.1"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("matrix.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(r.stderr, "creating kind cluster") {
		t.Errorf("the matrix went on to cluster work:\n%s", r.stderr)
	}
	bad := cli(t, "matrix", "--k8s", cluster.DefaultKubernetes, "--labels", "gateway=haproxy", "--istio-version", "1.26.3", "--out", filepath.Join(t.TempDir(), "m"))
	if bad.code != exitSetup || !strings.Contains(bad.stderr, "--istio-version: no scenario of profile istio") {
		t.Errorf("istio versions without istio scenarios: exit %d, %q", bad.code, bad.stderr)
	}
}
