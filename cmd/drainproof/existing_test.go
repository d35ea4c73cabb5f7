package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad input for a cluster drainproof did not create is a usage error naming
// the flag, before any cluster work (no image build, no push, no kind call).
func TestExistingClusterFlagsRefused(t *testing.T) {
	dir := t.TempDir()
	kc := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: ctx-a, context: {cluster: c, user: u}}]
current-context: ctx-a
`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	run := []string{"run", "--scenario", "gateway-rollout-ssh", "--out", out}
	matrix := []string{"matrix", "--labels", "suite=smoke", "--out", out}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{append(run, "--kubeconfig", filepath.Join(dir, "missing"), "--registry", "127.0.0.1:5000/dp"), "--kubeconfig: "},
		{append(run, "--kubeconfig", kc, "--context", "nosuch", "--registry", "127.0.0.1:5000/dp"), `--context: context "nosuch" is not in`},
		{append(run, "--kubeconfig", kc), "--registry: required with --kubeconfig"},
		{append(run, "--kubeconfig", kc, "--registry", "drainproof/images"), "--registry: \"drainproof/images\": want HOST[:PORT]/REPO"},
		{append(run, "--kubeconfig", kc, "--registry", "reg.example.com/UPPER/Case"), "--registry: "},
		{append(run, "--kubeconfig", kc, "--registry", "127.0.0.1:5000/dp", "--cluster", "x"), "--cluster: names a kind cluster"},
		{append(run, "--kubeconfig", kc, "--registry", "127.0.0.1:5000/dp", "--air-gapped"), "--air-gapped: "},
		{append(run, "--kubeconfig", kc, "--registry", "127.0.0.1:5000/dp", "--registry-mirror", "127.0.0.1:5000"), "--registry-mirror: give --registry or"},
		{append(run, "--registry", "127.0.0.1:5000/dp"), "--registry: needs --kubeconfig"},
		{append(run, "--context", "ctx-a"), "--context: needs --kubeconfig"},
		{append(matrix, "--kubeconfig", kc, "--registry", "127.0.0.1:5000/dp", "--k8s", "v1.33.13"), "--k8s: kind clusters per Kubernetes version"},
		{append(matrix, "--kubeconfig", kc, "--registry", "bad ref/x"), "--registry: "},
	} {
		r := cli(t, tc.args...)
		if r.code != 2 || !strings.HasPrefix(r.stderr, errorPrefix) || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q: want exit 2 with %q", tc.args, r.code, r.stderr, tc.want)
		}
		if strings.Contains(r.stderr, "[images]") || strings.Contains(r.stderr, "[cluster]") {
			t.Errorf("%v: cluster or image work before the flags were checked:\n%s", tc.args, r.stderr)
		}
	}
}
