// Package disrupt holds the disruptions a scenario applies once its traffic
// is established. Each is an action with a "done" condition read from the
// API (never a sleep): the action is recorded as DisruptionStart, and
// DisruptionDone is recorded only when the condition holds. Every action
// waits until the pods it stopped are gone from the API, so a run's ledger
// holds their whole drain (deletion → endpoint removed → container exits →
// gone); when a watcher (internal/watch) records the namespace, DisruptionDone
// also waits until the ledger holds each victim's PodGone and EndpointRemoved,
// so it is never recorded before them.
//
// Actions:
//
//	rollout-restart deployment/NAME  stamp the pod template; done when every old pod
//	                                 is gone and the new ReplicaSet serves every replica
//	scale-zero      deployment/NAME  scale to 0; done when every pod is gone
//	delete          pods/LABEL=VALUE delete the pod Pick chooses (Grace, or the pod's own)
//	force-delete    pods/LABEL=VALUE delete with grace 0: the pod leaves the API at once,
//	                                 its container is stopped afterwards by the kubelet,
//	                                 which the API never reports (no ContainerExited)
//	evict           pods/LABEL=VALUE the Eviction API (policy/v1), as `kubectl drain` does:
//	                                 a PodDisruptionBudget refusal is retried until the
//	                                 timeout, then reported naming the budget
//	drain-node      pods/LABEL=VALUE cordon the node whose matching pods carry the most probe
//	                                 connections and evict every pod on it as `kubectl drain
//	                                 --ignore-daemonsets` does (DaemonSet and mirror pods
//	                                 skipped); done when every evicted pod is gone; the node
//	                                 is uncordoned when the action ends
//
// Before a pod action (delete, force-delete, evict) the disruption waits (up
// to Settle) until the probes' traffic reached every pod of its target, read
// from the ledger with the verdict's attribution rule, and stops the pod Pick
// chooses: the busiest (default) or all of them. Deployment actions stop
// every pod and do not wait. Every action records in DisruptionStart what
// each pod carried (Detail["carried"]) and the pods it stops (Detail["pods"]).
package disrupt

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/internal/ledger"
)

// Spec says what to disrupt. Target is "deployment/NAME" or "pods/LABEL=VALUE".
type Spec struct {
	Action  string
	Target  string
	Grace   *int64
	Timeout time.Duration
	Pick    string        // pod actions: PickBusiest (default) or PickAll
	Settle  time.Duration // how long traffic may take to reach every pod (default DefaultSettle)
}

// pollEvery is how often a done condition is re-read from the API.
const pollEvery = 250 * time.Millisecond

// Do applies spec in namespace ns and waits for its done condition.
func Do(ctx context.Context, cs kubernetes.Interface, ns string, spec Spec, l *ledger.Ledger) error {
	if spec.Timeout <= 0 {
		spec.Timeout = 3 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, spec.Timeout)
	defer cancel()
	kind, name, _ := strings.Cut(spec.Target, "/")
	var (
		victims []string
		evicted []string // drain-node: every evicted pod, "namespace/name" (victims: the run's own)
		err     error
	)
	record := func(k ledger.Kind, extra map[string]string) {
		d := map[string]string{"action": spec.Action, "target": spec.Target}
		for k, v := range extra {
			d[k] = v
		}
		_ = l.Add(ledger.Event{Kind: k, Probe: "disrupt", Detail: d})
	}
	if spec.Settle <= 0 {
		spec.Settle = DefaultSettle
	}
	if spec.Pick == "" {
		spec.Pick = PickBusiest
	}
	// A deployment action stops every pod of the target, so there is no
	// victim to choose and nothing to wait for: what each pod carried is
	// recorded as it stands (waiting would only spend the probes' lifetime
	// before the disruption, as seen with sessions opened once).
	carriedNow := func(pods []string) map[string]string {
		return map[string]string{"carried": carriedText(pods, settle(ctx, l, ns, pods, 0))}
	}
	switch {
	case kind == "deployment" && spec.Action == "rollout-restart":
		victims, err = podsOf(ctx, cs, ns, name)
		if err == nil {
			d := carriedNow(victims)
			d["pods"] = strings.Join(victims, ",")
			record(ledger.DisruptionStart, d)
			err = rolloutRestart(ctx, cs, ns, name)
		}
	case kind == "deployment" && spec.Action == "scale-zero":
		victims, err = podsOf(ctx, cs, ns, name)
		if err == nil {
			d := carriedNow(victims)
			d["pods"] = strings.Join(victims, ",")
			record(ledger.DisruptionStart, d)
			err = scaleZero(ctx, cs, ns, name)
		}
	case kind == "pods" && (spec.Action == "delete" || spec.Action == "force-delete" || spec.Action == "evict"):
		var pods []string
		pods, err = listPods(ctx, cs, ns, name)
		if err == nil {
			c := settle(ctx, l, ns, pods, spec.Settle)
			victims = choose(spec.Pick, pods, c)
			record(ledger.DisruptionStart, map[string]string{"pods": strings.Join(victims, ","), "pick": spec.Pick, "carried": carriedText(pods, c)})
			for _, pod := range victims {
				err = stopPod(ctx, cs, ns, pod, spec, func(msg string) {
					_ = l.Add(ledger.Event{Kind: ledger.Note, Probe: "disrupt", Pod: ns + "/" + pod, Detail: map[string]string{"action": spec.Action, "note": msg}})
				})
				if err != nil {
					break
				}
			}
		}
	case kind == "pods" && spec.Action == "drain-node":
		var uncordon func()
		evicted, uncordon, err = drainNode(ctx, cs, ns, name, spec, l, record)
		if uncordon != nil {
			defer uncordon()
		}
		victims = inNamespace(evicted, ns)
	default:
		err = fmt.Errorf("disruption: action %q does not apply to target %q", spec.Action, spec.Target)
	}
	if err != nil {
		return fmt.Errorf("disruption %s %s: %w", spec.Action, spec.Target, err)
	}
	if err := waitGoneQualified(ctx, cs, evicted); err != nil {
		return fmt.Errorf("disruption %s %s: waiting %s for the evicted pods to be gone: %w", spec.Action, spec.Target, spec.Timeout, err)
	}
	if err := waitGone(ctx, cs, ns, victims); err != nil {
		return fmt.Errorf("disruption %s %s: waiting %s for pods to be gone: %w", spec.Action, spec.Target, spec.Timeout, err)
	}
	if spec.Action == "rollout-restart" {
		if err := waitRolledOut(ctx, cs, ns, name); err != nil {
			return fmt.Errorf("disruption rollout-restart %s: waiting %s for the new ReplicaSet: %w%s", spec.Target, spec.Timeout, err, podProblems(ctx, cs, ns))
		}
	}
	if err := awaitRecorded(ctx, l, ns, victims); err != nil {
		return fmt.Errorf("disruption %s %s: %w", spec.Action, spec.Target, err)
	}
	record(ledger.DisruptionDone, nil)
	return nil
}

// podsOf lists the current pods of a Deployment (through its selector).
func podsOf(ctx context.Context, cs kubernetes.Interface, ns, deploy string) ([]string, error) {
	d, err := cs.AppsV1().Deployments(ns).Get(ctx, deploy, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, err
	}
	return listPods(ctx, cs, ns, sel.String())
}

func listPods(ctx context.Context, cs kubernetes.Interface, ns, selector string) ([]string, error) {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p.Name)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("no running pods match %q", selector)
	}
	return out, nil
}

// rolloutRestart does what `kubectl rollout restart` does: stamp the pod
// template so the Deployment controller replaces every pod.
func rolloutRestart(ctx context.Context, cs kubernetes.Interface, ns, name string) error {
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{"drainproof.dev/restartedAt":%q}}}}}`, time.Now().Format(time.RFC3339Nano))
	_, err := cs.AppsV1().Deployments(ns).Patch(ctx, name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
	return err
}

func scaleZero(ctx context.Context, cs kubernetes.Interface, ns, name string) error {
	s, err := cs.AppsV1().Deployments(ns).GetScale(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	s.Spec.Replicas = 0
	_, err = cs.AppsV1().Deployments(ns).UpdateScale(ctx, name, s, metav1.UpdateOptions{})
	return err
}

func stopPod(ctx context.Context, cs kubernetes.Interface, ns, pod string, spec Spec, note func(string)) error {
	opts := metav1.DeleteOptions{GracePeriodSeconds: spec.Grace}
	switch spec.Action {
	case "delete":
		return cs.CoreV1().Pods(ns).Delete(ctx, pod, opts)
	case "force-delete":
		zero := int64(0)
		opts.GracePeriodSeconds = &zero
		return cs.CoreV1().Pods(ns).Delete(ctx, pod, opts)
	case "evict":
		return evict(ctx, cs, ns, pod, opts, note)
	}
	return fmt.Errorf("action %q does not apply to pods", spec.Action)
}

// waitGone holds until none of pods exists any more. On timeout it names
// the pods still there and how far their deletion got.
func waitGone(ctx context.Context, cs kubernetes.Interface, ns string, pods []string) error {
	var left []string
	err := wait.PollUntilContextCancel(ctx, pollEvery, true, func(ctx context.Context) (bool, error) {
		left = left[:0]
		for _, name := range pods {
			p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				continue
			case err != nil:
				return false, err
			}
			state := "not deleting"
			if p.DeletionTimestamp != nil {
				state = "deleting since " + p.DeletionTimestamp.Format(time.RFC3339)
			}
			left = append(left, fmt.Sprintf("%s (%s, phase %s)", name, state, p.Status.Phase))
		}
		return len(left) == 0, nil
	})
	if err != nil && len(left) > 0 {
		return fmt.Errorf("%w; still there: %s", err, strings.Join(left, ", "))
	}
	return err
}

// waitRolledOut holds until the Deployment's newest ReplicaSet serves every replica.
func waitRolledOut(ctx context.Context, cs kubernetes.Interface, ns, name string) error {
	return wait.PollUntilContextCancel(ctx, pollEvery, true, func(ctx context.Context) (bool, error) {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		s := d.Status
		return s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == want &&
			s.AvailableReplicas == want && s.Replicas == want, nil
	})
}

// WaitAvailable holds until a Deployment has all its replicas available and
// no pod of it is terminating (a clean starting point for a scenario).
func WaitAvailable(ctx context.Context, cs kubernetes.Interface, ns, name string) error {
	if err := waitRolledOut(ctx, cs, ns, name); err != nil {
		return fmt.Errorf("deployment/%s did not become available: %w%s", name, err, podProblems(ctx, cs, ns))
	}
	return nil
}

// podProblems summarises why pods of ns are not running, for error messages.
func podProblems(ctx context.Context, cs kubernetes.Interface, ns string) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, p := range pods.Items {
		for _, s := range append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
			if w := s.State.Waiting; w != nil {
				fmt.Fprintf(&b, "\n  pod %s container %s: %s %s", p.Name, s.Name, w.Reason, w.Message)
			}
			if t := s.State.Terminated; t != nil && t.ExitCode != 0 {
				fmt.Fprintf(&b, "\n  pod %s container %s: exited %d %s %s", p.Name, s.Name, t.ExitCode, t.Reason, t.Message)
			}
		}
		if p.Status.Phase == corev1.PodPending && len(p.Status.ContainerStatuses) == 0 {
			for _, c := range p.Status.Conditions {
				if c.Status != corev1.ConditionTrue && c.Message != "" {
					fmt.Fprintf(&b, "\n  pod %s: %s", p.Name, c.Message)
				}
			}
		}
	}
	return b.String()
}
