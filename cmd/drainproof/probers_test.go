package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/drainproof/drainproof/internal/run"
)

// A bad --probers is a usage error naming the flag, before any cluster or
// image work, in run and in matrix alike.
func TestProbersFlagRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	for _, tc := range []struct{ value, want string }{
		{"in-cluster=0", `--probers: "in-cluster=0": N must be a whole number ≥ 1`},
		{"in-cluster=-3", `--probers: "in-cluster=-3": N must be`},
		{"in-cluster=two", `--probers: "in-cluster=two": N must be`},
		{"bogus", `--probers: "bogus": want host, in-cluster or in-cluster=N`},
	} {
		for _, args := range [][]string{
			{"run", "--scenario", "gateway-rollout-ssh", "--out", out},
			{"matrix", "--labels", "suite=smoke", "--out", out},
		} {
			r := cli(t, append(args, "--probers", tc.value)...)
			if r.code != 2 || !strings.HasPrefix(r.stderr, errorPrefix) || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("%s --probers %s: exit %d, stderr %q: want exit 2 with %q", args[0], tc.value, r.code, r.stderr, tc.want)
			}
			if strings.Contains(r.stderr, "[images]") || strings.Contains(r.stderr, "[cluster]") {
				t.Errorf("%s --probers %s: cluster or image work before the flags were checked:\n%s", args[0], tc.value, r.stderr)
			}
		}
	}
}

// A matrix run with in-cluster probers says so in every reproduce line: the cell's and each
// scenario's `drainproof run` command carry --probers as the matrix ran them.
func TestMatrixReproduceCarriesProbers(t *testing.T) {
	v := matrixVersion{Kubernetes: "v1.33.13", Cluster: "dp-m"}
	cp := matrixCellPlan{Name: "manifests@v1.33.13", Profile: "manifests"}
	for _, tc := range []struct {
		count int
		want  string
	}{{2, "--probers in-cluster=2"}, {run.ProbersPerNode, "--probers in-cluster"}} {
		o := matrixOptions{labels: "suite=smoke", out: "_out/m", proberCount: tc.count}
		header, flags := o.cellHeader(v, cp)
		if got := strings.Join(flags, " "); got != "--cluster dp-m --air-gapped "+tc.want {
			t.Errorf("probers %d: run flags %q", tc.count, got)
		}
		if !strings.HasSuffix(header.Reproduce, " "+tc.want) {
			t.Errorf("probers %d: cell reproduce %q lacks %q", tc.count, header.Reproduce, tc.want)
		}
	}
	o := matrixOptions{labels: "suite=smoke", out: "_out/m"}
	if _, flags := o.cellHeader(v, cp); strings.Contains(strings.Join(flags, " "), "--probers") {
		t.Errorf("host probers: run flags %q name --probers", flags)
	}
}
