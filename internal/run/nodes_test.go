package run

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestEnoughNodesCountsReadyNodes(t *testing.T) {
	node := func(name string, ready corev1.ConditionStatus) *corev1.Node {
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}}}
	}
	cs := fake.NewSimpleClientset(node("cp", corev1.ConditionTrue), node("w1", corev1.ConditionFalse))
	ctx := context.Background()
	if err := enoughNodes(ctx, cs, 1); err != nil {
		t.Fatal(err)
	}
	err := enoughNodes(ctx, cs, 2)
	if err == nil || !strings.Contains(err.Error(), "needs 2 nodes, the cluster has 1 Ready (a kind cluster: create it with --workers 1; an existing cluster: add nodes)") {
		t.Fatalf("enoughNodes(2) = %v", err)
	}
	_, _ = cs.CoreV1().Nodes().UpdateStatus(ctx, node("w1", corev1.ConditionTrue), metav1.UpdateOptions{})
	if err := enoughNodes(ctx, cs, 2); err != nil {
		t.Fatal(err)
	}
}
