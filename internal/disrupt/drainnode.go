package disrupt

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/internal/kube"
	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/verdict"
)

// mirrorAnnotation marks the API's mirror of a static pod (the kubelet runs it from a file; the
// API cannot evict it), which `kubectl drain` skips.
const mirrorAnnotation = "kubernetes.io/config.mirror"

// drainNode is the drain-node action: it picks the node whose pods of the target carry the most
// probe connections (then requests), cordons it, and evicts every pod on it as `kubectl drain
// --ignore-daemonsets` does: through the Eviction API (PodDisruptionBudgets honoured, refusals
// retried until the timeout), in parallel, DaemonSet pods, mirror pods and the harness's own
// in-cluster probers (kube.HarnessLabel) skipped, pods already
// terminating or finished left alone. The node is uncordoned when the action ends (done or not):
// a cluster reused by later runs gets its node back. It returns the evicted pods
// ("namespace/name") for the done condition.
func drainNode(ctx context.Context, cs kubernetes.Interface, ns, selector string, spec Spec, l *ledger.Ledger,
	record func(ledger.Kind, map[string]string)) (evicted []string, uncordon func(), err error) {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, nil, err
	}
	nodeOf := map[string]string{}
	var names []string
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil && p.Spec.NodeName != "" {
			nodeOf[p.Name] = p.Spec.NodeName
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("no running pods match %q", selector)
	}
	sort.Strings(names)
	carried := settle(ctx, l, ns, names, spec.Settle)
	node, load := busiestNode(names, nodeOf, carried)
	onNode, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + node})
	if err != nil {
		return nil, nil, fmt.Errorf("list pods on node %s: %w", node, err)
	}
	toEvict, skipped := drainable(onNode.Items)
	record(ledger.DisruptionStart, map[string]string{
		"node": node, "nodeCarried": nodeLoadText(load), "pods": strings.Join(inNamespace(toEvict, ns), ","),
		"evicted": strings.Join(toEvict, ","), "skipped": strings.Join(skipped, ","), "carried": carriedText(names, carried),
	})
	if err := setUnschedulable(ctx, cs, node, true); err != nil {
		return nil, nil, fmt.Errorf("cordon node %s: %w", node, err)
	}
	uncordon = func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := setUnschedulable(ctx, cs, node, false); err != nil {
			_ = l.Add(ledger.Event{Kind: ledger.Note, Probe: "disrupt", Detail: map[string]string{"action": spec.Action, "note": "uncordon node " + node + ": " + err.Error()}})
		}
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []string
	)
	for _, qn := range toEvict {
		podNS, pod, _ := strings.Cut(qn, "/")
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := evict(ctx, cs, podNS, pod, metav1.DeleteOptions{GracePeriodSeconds: spec.Grace}, func(msg string) {
				_ = l.Add(ledger.Event{Kind: ledger.Note, Probe: "disrupt", Pod: qn, Detail: map[string]string{"action": spec.Action, "note": msg}})
			})
			if err != nil && !apierrors.IsNotFound(err) {
				mu.Lock()
				errs = append(errs, err.Error())
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		sort.Strings(errs)
		return toEvict, uncordon, fmt.Errorf("drain node %s: %s", node, strings.Join(errs, "; "))
	}
	return toEvict, uncordon, nil
}

// nodeLoad is what one node's pods of the target carried.
type nodeLoad struct {
	Node                  string
	Connections, Requests int
}

// busiestNode is the node whose target pods carry the most connections, then requests; ties go
// to the node name first in order. It also returns every node's load, busiest first.
func busiestNode(pods []string, nodeOf map[string]string, carried map[string]verdict.Load) (string, []nodeLoad) {
	by := map[string]*nodeLoad{}
	for _, p := range pods {
		n := nodeOf[p]
		if by[n] == nil {
			by[n] = &nodeLoad{Node: n}
		}
		by[n].Connections += carried[p].Connections
		by[n].Requests += carried[p].Requests
	}
	var out []nodeLoad
	for _, l := range by {
		out = append(out, *l)
	}
	verdict.BusiestFirst(out, func(l nodeLoad) (string, int, int) { return l.Node, l.Connections, l.Requests })
	return out[0].Node, out
}

// nodeLoadText is "worker=12 connections/0 requests,control-plane=8 connections/0 requests".
func nodeLoadText(ls []nodeLoad) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = fmt.Sprintf("%s=%d connections/%d requests", l.Node, l.Connections, l.Requests)
	}
	return strings.Join(parts, ",")
}

// drainable splits a node's pods as `kubectl drain --ignore-daemonsets` does: the pods to evict
// and those skipped (DaemonSet-managed, mirror pods of static pods, pods already terminating or
// finished), each "namespace/name", sorted.
func drainable(pods []corev1.Pod) (evict, skipped []string) {
	for _, p := range pods {
		qn := p.Namespace + "/" + p.Name
		switch {
		case p.Annotations[mirrorAnnotation] != "",
			ownedByDaemonSet(p),
			kube.IsHarness(p.Labels), // the harness's own probers hold the traffic being judged
			p.DeletionTimestamp != nil,
			p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed:
			skipped = append(skipped, qn)
		default:
			evict = append(evict, qn)
		}
	}
	sort.Strings(evict)
	sort.Strings(skipped)
	return evict, skipped
}

func ownedByDaemonSet(p corev1.Pod) bool {
	for _, o := range p.OwnerReferences {
		if o.Controller != nil && *o.Controller && o.Kind == "DaemonSet" {
			return true
		}
	}
	return false
}

// inNamespace keeps the names of the "namespace/name" entries in ns (the run's own victims).
func inNamespace(qns []string, ns string) []string {
	var out []string
	for _, qn := range qns {
		if n, name, _ := strings.Cut(qn, "/"); n == ns {
			out = append(out, name)
		}
	}
	return out
}

// setUnschedulable cordons (true) or uncordons (false) a node, as `kubectl cordon` does.
func setUnschedulable(ctx context.Context, cs kubernetes.Interface, node string, on bool) error {
	patch := fmt.Sprintf(`{"spec":{"unschedulable":%t}}`, on)
	_, err := cs.CoreV1().Nodes().Patch(ctx, node, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
	return err
}

// waitGoneQualified is waitGone for "namespace/name" pods of any namespace.
func waitGoneQualified(ctx context.Context, cs kubernetes.Interface, pods []string) error {
	byNS := map[string][]string{}
	for _, qn := range pods {
		n, name, _ := strings.Cut(qn, "/")
		byNS[n] = append(byNS[n], name)
	}
	return wait.PollUntilContextCancel(ctx, pollEvery, true, func(ctx context.Context) (bool, error) {
		for n, names := range byNS {
			for _, name := range names {
				_, err := cs.CoreV1().Pods(n).Get(ctx, name, metav1.GetOptions{})
				if err == nil {
					return false, nil
				}
				if !apierrors.IsNotFound(err) {
					return false, err
				}
			}
		}
		return true, nil
	})
}
