package run

import (
	"fmt"
	"strconv"
	"strings"
)

// ProbersPerNode is Options.Probers for one in-cluster prober per Ready node.
const ProbersPerNode = -1

// ParseProbers reads the --probers syntax: "host" (the default, 0: the
// probes run in drainproof's process), "in-cluster" (one prober pod per
// Ready node, ProbersPerNode) or "in-cluster=N" (N ≥ 1 pods).
func ParseProbers(s string) (int, error) {
	switch s {
	case "", "host":
		return 0, nil
	case "in-cluster":
		return ProbersPerNode, nil
	}
	v, ok := strings.CutPrefix(s, "in-cluster=")
	if !ok {
		return 0, fmt.Errorf("%q: want host, in-cluster or in-cluster=N", s)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%q: N must be a whole number ≥ 1 (prober pods)", s)
	}
	return n, nil
}

// ProbersString is ParseProbers' inverse.
func ProbersString(n int) string {
	switch {
	case n == 0:
		return "host"
	case n == ProbersPerNode:
		return "in-cluster"
	}
	return "in-cluster=" + strconv.Itoa(n)
}
