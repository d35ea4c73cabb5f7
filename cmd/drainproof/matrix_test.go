package main

import (
	"strings"
	"testing"

	"github.com/drainproof/drainproof/scenarios"
)

func builtin(t *testing.T) *scenarios.Catalog {
	t.Helper()
	c, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPlanMatrixOneClusterPerVersionOneCellPerProfile(t *testing.T) {
	p, err := planMatrix(builtin(t), []string{"v1.33.13", "v1.35.4"}, "gateway=haproxy", nil, "drainproof-matrix", &releaseFlags{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Versions) != 2 || p.Versions[0].Cluster != "drainproof-matrix-1-33-13" || p.Versions[1].Cluster != "drainproof-matrix-1-35-4" {
		t.Fatalf("clusters: %s", p)
	}
	if p.Nodes != 2 {
		t.Fatalf("nodes %d: the drain-node pair (gateway=haproxy) needs 2", p.Nodes)
	}
	for _, v := range p.Versions {
		if len(v.Cells) != 1 || v.Cells[0].Name != "manifests@"+v.Kubernetes || v.Cells[0].Profile != "manifests" {
			t.Fatalf("cells of %s: %+v", v.Kubernetes, v.Cells)
		}
	}
	names := p.scenarioNames()
	for _, want := range []string{"gateway-rollout-ssh", "gateway-rollout-ssh-nodrain", "gateway-drain-node-ssh-single"} {
		if !strings.Contains(strings.Join(names, ","), want) {
			t.Errorf("rows lack %s: %v", want, names)
		}
	}
	p, err = planMatrix(builtin(t), []string{"v1.33.13"}, "suite=smoke", []string{"dp-multi"}, "x", &releaseFlags{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Versions[0].Cluster != "dp-multi" || len(p.Versions[0].Cells) != 2 {
		t.Fatalf("smoke on dp-multi: %s", p)
	}
}

// Bad input is refused before any cluster work, naming the flag.
func TestPlanMatrixRefusesBadInput(t *testing.T) {
	cat := builtin(t)
	for _, c := range []struct {
		k8s      []string
		labels   string
		clusters []string
		want     string
	}{
		{nil, "suite=smoke", nil, "--k8s: give one or more"},
		{[]string{"1.33.13"}, "suite=smoke", nil, `--k8s: "1.33.13" is not a Kubernetes version`},
		{[]string{"v1.35.x"}, "suite=smoke", nil, `--k8s: "v1.35.x" is not a Kubernetes version`},
		{[]string{"v1.99.1"}, "suite=smoke", nil, "--k8s: kubernetes version \"v1.99.1\": no component versions known for 1.99"},
		{[]string{"v1.33.13", "v1.33.13"}, "suite=smoke", nil, "--k8s: v1.33.13 given twice"},
		{[]string{"v1.33.13"}, "suite=nope", nil, `--labels: no scenario matches "suite=nope"`},
		{[]string{"v1.33.13"}, "suite in (smoke", nil, "--labels:"},
		{[]string{"v1.33.13", "v1.35.4"}, "suite=smoke", []string{"dp-multi"}, "--clusters: 1 names for 2 Kubernetes versions"},
	} {
		_, err := planMatrix(cat, c.k8s, c.labels, c.clusters, "p", &releaseFlags{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("planMatrix(%v, %q, %v) = %v; want %q", c.k8s, c.labels, c.clusters, err, c.want)
		}
		if _, usage := err.(usageError); err != nil && !usage {
			t.Errorf("planMatrix(%v, %q): %T is not a usage error (exit 2)", c.k8s, c.labels, err)
		}
	}
}
