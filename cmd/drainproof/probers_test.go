package main

import (
	"path/filepath"
	"strings"
	"testing"
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
