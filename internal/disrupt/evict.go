package disrupt

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
)

// evictRetryEvery is how often a refused eviction is asked again. Like
// `kubectl drain`, a refusal (HTTP 429: a PodDisruptionBudget would be
// violated, or is still being processed) is retried until the action's
// timeout: a budget that only blocks for a moment (a replacement pod not yet
// ready) is how a real drain behaves, and a budget that never allows the
// eviction ends the action with an error naming it, never a hang.
const evictRetryEvery = time.Second

// evict asks the Eviction API (policy/v1) to evict pod, retrying refusals as
// above. note is told each distinct refusal, so the ledger shows why the
// eviction waited.
func evict(ctx context.Context, cs kubernetes.Interface, ns, pod string, opts metav1.DeleteOptions, note func(string)) error {
	t0 := time.Now()
	var refusal string
	for {
		err := cs.PolicyV1().Evictions(ns).Evict(ctx, evictionFor(ns, pod, opts))
		if err == nil {
			return nil
		}
		if !apierrors.IsTooManyRequests(err) {
			if ctx.Err() == nil {
				return fmt.Errorf("evict pod %s/%s: %w", ns, pod, err)
			}
			if refusal == "" { // client-go was still honouring the server's Retry-After
				refusal = "no eviction before the timeout: " + err.Error()
			}
			return refused(ctx, cs, ns, pod, refusal, t0)
		}
		if msg := refusalMessage(err); msg != refusal {
			refusal = msg
			note(fmt.Sprintf("eviction of pod %s/%s refused, retrying until the timeout: %s", ns, pod, msg))
		}
		select {
		case <-ctx.Done():
			return refused(ctx, cs, ns, pod, refusal, t0)
		case <-time.After(evictRetryEvery):
		}
	}
}

func evictionFor(ns, pod string, opts metav1.DeleteOptions) *policyv1.Eviction {
	return &policyv1.Eviction{
		ObjectMeta:    metav1.ObjectMeta{Name: pod, Namespace: ns},
		DeleteOptions: &opts,
	}
}

// refusalMessage is the API server's message with its causes (which name the
// budget and its healthy counts).
func refusalMessage(err error) string {
	var se apierrors.APIStatus
	if !errors.As(err, &se) {
		return err.Error()
	}
	st := se.Status()
	parts := []string{st.Message}
	if st.Details != nil {
		for _, c := range st.Details.Causes {
			parts = append(parts, c.Message)
		}
	}
	return strings.Join(parts, " ")
}

// refused is the error for an eviction still refused when ctx ended. It names
// the PodDisruptionBudgets that select the pod (looked up afresh, since the
// server's message may not) and the last refusal.
func refused(ctx context.Context, cs kubernetes.Interface, ns, pod, refusal string, t0 time.Time) error {
	budgets := budgetsFor(ctx, cs, ns, pod)
	return fmt.Errorf("eviction of pod %s/%s refused for %s (PodDisruptionBudget %s): %s",
		ns, pod, time.Since(t0).Round(100*time.Millisecond), budgets, refusal)
}

// budgetsFor describes the PodDisruptionBudgets of ns whose selector matches
// pod, e.g. "web (minAvailable 2, 2 healthy, 0 disruptions allowed)".
func budgetsFor(ctx context.Context, cs kubernetes.Interface, ns, pod string) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	p, err := cs.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return "unknown: " + err.Error()
	}
	pdbs, err := cs.PolicyV1().PodDisruptionBudgets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "unknown: " + err.Error()
	}
	var out []string
	for _, b := range pdbs.Items {
		sel, err := metav1.LabelSelectorAsSelector(b.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		rule := "no limit"
		switch {
		case b.Spec.MinAvailable != nil:
			rule = "minAvailable " + b.Spec.MinAvailable.String()
		case b.Spec.MaxUnavailable != nil:
			rule = "maxUnavailable " + b.Spec.MaxUnavailable.String()
		}
		out = append(out, fmt.Sprintf("%s (%s, %d healthy, %d disruptions allowed)",
			b.Name, rule, b.Status.CurrentHealthy, b.Status.DisruptionsAllowed))
	}
	if len(out) == 0 {
		return "none selects the pod"
	}
	return strings.Join(out, ", ")
}
