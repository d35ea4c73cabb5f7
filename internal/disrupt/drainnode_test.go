package disrupt

import (
	"context"
	"github.com/drainproof/drainproof/internal/kube"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/drainproof/drainproof/internal/verdict"
)

func TestBusiestNodeSumsItsPods(t *testing.T) {
	pods := []string{"gw-a", "gw-b", "gw-c"}
	nodeOf := map[string]string{"gw-a": "w1", "gw-b": "w2", "gw-c": "w2"}
	carried := map[string]verdict.Load{"gw-a": {Connections: 9}, "gw-b": {Connections: 5}, "gw-c": {Connections: 6}}
	node, loads := busiestNode(pods, nodeOf, carried)
	if node != "w2" {
		t.Fatalf("busiest node %s, want w2 (11 connections over two pods beat 9 on one)", node)
	}
	if got := nodeLoadText(loads); got != "w2=11 connections/0 requests,w1=9 connections/0 requests" {
		t.Fatalf("loads %q", got)
	}
	// ties: requests, then the node name
	node, _ = busiestNode(pods, nodeOf, map[string]verdict.Load{"gw-a": {Requests: 3}, "gw-b": {Requests: 1}, "gw-c": {Requests: 1}})
	if node != "w1" {
		t.Fatalf("tie on connections goes to requests: got %s", node)
	}
	node, _ = busiestNode(pods, nodeOf, nil)
	if node != "w1" {
		t.Fatalf("nothing carried: first node by name, got %s", node)
	}
}

func TestDrainableSkipsWhatKubectlDrainSkips(t *testing.T) {
	yes := true
	now := metav1.Now()
	pods := []corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "run", Name: "gw-a"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "coredns-x"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "kindnet-x",
			OwnerReferences: []metav1.OwnerReference{{Kind: "DaemonSet", Name: "kindnet", Controller: &yes}}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "kube-apiserver-cp",
			Annotations: map[string]string{mirrorAnnotation: "abc"}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "run", Name: "old", DeletionTimestamp: &now}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "run", Name: "job"}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "run", Name: "dp-prober-0", Labels: map[string]string{kube.HarnessLabel: "prober"}}},
	}
	evict, skipped := drainable(pods)
	if want := []string{"kube-system/coredns-x", "run/gw-a"}; !slices.Equal(evict, want) {
		t.Errorf("evict %v, want %v", evict, want)
	}
	if want := []string{"kube-system/kindnet-x", "kube-system/kube-apiserver-cp", "run/dp-prober-0", "run/job", "run/old"}; !slices.Equal(skipped, want) {
		t.Errorf("skipped %v, want %v", skipped, want)
	}
	if got := inNamespace(evict, "run"); !slices.Equal(got, []string{"gw-a"}) {
		t.Errorf("the run's own victims %v", got)
	}
}

func TestCordonAndUncordon(t *testing.T) {
	cs := fake.NewSimpleClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "w1"}})
	ctx := context.Background()
	for _, on := range []bool{true, false} {
		if err := setUnschedulable(ctx, cs, "w1", on); err != nil {
			t.Fatal(err)
		}
		n, _ := cs.CoreV1().Nodes().Get(ctx, "w1", metav1.GetOptions{})
		if n.Spec.Unschedulable != on {
			t.Fatalf("unschedulable = %v, want %v", n.Spec.Unschedulable, on)
		}
	}
}
