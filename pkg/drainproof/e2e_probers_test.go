//go:build e2e

package drainproof_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/cluster"
	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/pkg/drainproof"
)

// probersCluster is the 2-node kind cluster this test creates and deletes.
const probersCluster = "dp-probers"

// TestInClusterProbers runs the haproxy smoke pair on a 2-node kind cluster
// twice: with the probes on the host, then as 2 prober pods in the cluster
// (drainproof.WithProbers("in-cluster=2")). The outcomes must be the same
// (the good scenario PASS, its twin FAILED AS EXPECTED with its drops
// attributed to old gateway pods); in-cluster, every connection comes from
// one of the two probers (IDs prefixed), both probers' clock offsets are in
// the ledger, the probers ran on different nodes, no prober pod is in the
// ledger as a subject, and the namespace (with the probers) is gone.
func TestInClusterProbers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	c, _, err := cluster.Up(ctx, cluster.UpOptions{Name: probersCluster, AirGapped: true, Workers: 1, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("DRAINPROOF_KEEP") != "1" {
		t.Cleanup(func() {
			if err := c.Delete(context.Background()); err != nil {
				t.Errorf("delete cluster: %v", err)
			}
		})
	}
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	for _, probers := range []string{"host", "in-cluster=2"} {
		t.Run(probers, func(t *testing.T) {
			for _, name := range []string{"gateway-rollout-ssh", "gateway-rollout-ssh-nodrain"} {
				res, out := runExisting(ctx, t, name, drainproof.WithCluster(probersCluster), drainproof.WithAirGapped(true),
					drainproof.WithProbers(probers))
				assertCleanedUp(ctx, t, cs, res.Namespace)
				v := res.Verdict
				for _, d := range v.DropDetails {
					if !strings.Contains(d.Pod, "/gateway-") {
						t.Errorf("%s: drop of %s attributed to %q, want an old gateway pod", name, d.Conn, d.Pod)
					}
				}
				if probers == "host" {
					assertSummary(t, out, "| probes ran | host |")
					continue
				}
				assertSummary(t, out, "| probes ran | in-cluster: 2 prober pods (", "| reached | probes.ssh: service gateway ClusterIP ")
				assertInCluster(t, name, res)
			}
		})
	}
}

// assertInCluster: the merged ledger of a run with 2 in-cluster probers.
func assertInCluster(t *testing.T, name string, res *drainproof.Result) {
	t.Helper()
	perProber := map[string]int{}
	for _, c := range res.Verdict.Conns {
		prober, _, ok := strings.Cut(c.ID, "/")
		if !ok || !strings.HasPrefix(prober, "dp-prober-") {
			t.Errorf("%s: connection %q is not a prober's", name, c.ID)
		}
		perProber[prober]++
		if c.Pod == "" || strings.Contains(c.Pod, "dp-prober-") {
			t.Errorf("%s: connection %s attributed to %q", name, c.ID, c.Pod)
		}
	}
	if perProber["dp-prober-0"] != 10 || perProber["dp-prober-1"] != 10 {
		t.Errorf("%s: connections per prober %v, want 10 each (20 sessions over 2)", name, perProber)
	}
	offsets, nodes := 0, map[string]bool{}
	for _, e := range res.Events {
		if e.Kind == ledger.Note && e.Probe == "prober" && e.Detail["clockOffset"] != "" {
			offsets++
			t.Logf("%s: %s at %s: clock offset %s (%s, rtt %s)", name, e.Detail["prober"], e.Detail["where"],
				e.Detail["clockOffset"], e.Detail["clockBound"], e.Detail["clockRTT"])
			_, node, _ := strings.Cut(e.Detail["where"], " on node ")
			nodes[node] = true
		}
		if strings.Contains(e.Pod, "dp-prober-") {
			t.Errorf("%s: the harness's prober is in the ledger as a subject: %+v", name, e)
		}
	}
	if offsets != 2 {
		t.Errorf("%s: %d clock offsets recorded, want 2", name, offsets)
	}
	if len(nodes) != 2 {
		t.Errorf("%s: probers ran on nodes %v, want 2 different nodes (spread)", name, nodes)
	}
	if !strings.HasPrefix(res.Env.Probers, "in-cluster: 2 prober pods") {
		t.Errorf("%s: Env.Probers %q", name, res.Env.Probers)
	}
}
