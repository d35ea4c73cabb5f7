package cluster

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// requiredSystem are the kube-system workloads a usable cluster has: the CNI DaemonSet (kindnet
// in kind's image and in ours), kube-proxy, and coredns.
var requiredSystem = []string{"daemonset/kindnet", "daemonset/kube-proxy", "deployment/coredns"}

// waitReady polls the API until every node is Ready and every kube-system DaemonSet and
// Deployment (at least those in requiredSystem) is fully available. On timeout the error lists
// exactly what was still not ready.
func (c *Cluster) waitReady(ctx context.Context) error {
	cs, err := c.Clientset()
	if err != nil {
		return err
	}
	t0 := time.Now()
	var pending []string
	err = wait.PollUntilContextTimeout(ctx, time.Second, c.o.waitReady, true, func(ctx context.Context) (bool, error) {
		p, err := notReady(ctx, cs)
		if err != nil {
			pending = []string{"API not answering: " + err.Error()}
			return false, nil
		}
		pending = p
		return len(p) == 0, nil
	})
	if err != nil {
		return fmt.Errorf("cluster %s not ready after %v: %s", c.Name, c.o.waitReady, strings.Join(pending, "; "))
	}
	c.logf("cluster %s ready (nodes, CNI, kube-proxy, coredns) after %.1fs", c.Name, time.Since(t0).Seconds())
	return nil
}

// notReady lists what is not ready yet; empty means ready.
func notReady(ctx context.Context, cs kubernetes.Interface) ([]string, error) {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	dss, err := cs.AppsV1().DaemonSets("kube-system").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	deps, err := cs.AppsV1().Deployments("kube-system").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return pendingOf(nodes.Items, dss.Items, deps.Items), nil
}

// pendingOf is the pure readiness judgement over listed objects.
func pendingOf(nodes []corev1.Node, dss []appsv1.DaemonSet, deps []appsv1.Deployment) []string {
	var p []string
	if len(nodes) == 0 {
		p = append(p, "no nodes registered")
	}
	for _, n := range nodes {
		if !nodeReady(n) {
			p = append(p, "node "+n.Name+" not Ready")
		}
	}
	seen := map[string]bool{}
	for _, d := range dss {
		seen["daemonset/"+d.Name] = true
		s := d.Status
		if s.DesiredNumberScheduled == 0 || s.NumberAvailable < s.DesiredNumberScheduled || s.UpdatedNumberScheduled < s.DesiredNumberScheduled {
			p = append(p, fmt.Sprintf("daemonset kube-system/%s %d/%d available", d.Name, s.NumberAvailable, s.DesiredNumberScheduled))
		}
	}
	for _, d := range deps {
		seen["deployment/"+d.Name] = true
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		if d.Status.AvailableReplicas < want || d.Status.UpdatedReplicas < want {
			p = append(p, fmt.Sprintf("deployment kube-system/%s %d/%d available", d.Name, d.Status.AvailableReplicas, want))
		}
	}
	for _, r := range requiredSystem {
		if !seen[r] {
			p = append(p, r+" missing in kube-system")
		}
	}
	sort.Strings(p)
	return p
}

func nodeReady(n corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
