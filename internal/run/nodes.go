package run

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// enoughNodes says whether the cluster has at least want Ready nodes (a scenario's nodes), naming
// how many it has and how to get more.
func enoughNodes(ctx context.Context, cs kubernetes.Interface, want int) error {
	if want <= 1 {
		return nil
	}
	ready, err := readyNodes(ctx, cs)
	if err != nil {
		return err
	}
	if ready < want {
		return fmt.Errorf("needs %d nodes, the cluster has %d Ready (a kind cluster: create it with --workers %d; an existing cluster: add nodes)", want, ready, want-1)
	}
	return nil
}

// readyNodes counts the cluster's Ready nodes.
func readyNodes(ctx context.Context, cs kubernetes.Interface) (int, error) {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, fmt.Errorf("list nodes: %w", err)
	}
	ready := 0
	for _, n := range nodes.Items {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				ready++
			}
		}
	}
	return ready, nil
}
