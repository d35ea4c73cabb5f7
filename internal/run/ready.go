package run

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/internal/disrupt"
	"github.com/drainproof/drainproof/scenarios"
)

// waitReady holds until the workloads of one ready entry are available. A
// selector entry first waits for a controller to create at least one
// Deployment matching it (controllers generate names), then for each.
func waitReady(ctx context.Context, cs kubernetes.Interface, ns, entry string) error {
	if ds, ok := scenarios.DaemonSetReady(entry); ok {
		return waitDaemonSet(ctx, cs, ns, ds)
	}
	name, sel, err := scenarios.ParseReady(entry)
	if err != nil {
		return err
	}
	if sel == nil {
		return disrupt.WaitAvailable(ctx, cs, ns, name)
	}
	var names []string
	err = pollUntil(ctx, func() (bool, error) {
		l, err := cs.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
		if err != nil {
			return false, err
		}
		names = names[:0]
		for _, d := range l.Items {
			names = append(names, d.Name)
		}
		return len(names) > 0, nil
	})
	if err != nil {
		return fmt.Errorf("%s: no Deployment matched: %w", entry, err)
	}
	for _, n := range names {
		if err := disrupt.WaitAvailable(ctx, cs, ns, n); err != nil {
			return fmt.Errorf("%s: %w", entry, err)
		}
	}
	return nil
}

// serviceName resolves a probe's service (a name, or a selector matching
// exactly one Service, waiting for a controller to create it); field names
// the scenario field in errors.
func serviceName(ctx context.Context, cs kubernetes.Interface, ns, svc, field string) (string, error) {
	name, sel, err := scenarios.ParseService(svc)
	if err != nil || sel == nil {
		return name, err
	}
	var names []string
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err = pollUntil(ctx, func() (bool, error) {
		l, err := cs.CoreV1().Services(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
		if err != nil {
			return false, err
		}
		names = names[:0]
		for _, s := range l.Items {
			names = append(names, s.Name)
		}
		return len(names) > 0, nil
	})
	switch {
	case err != nil:
		return "", fmt.Errorf("%s.service %q: no Service matched: %w", field, svc, err)
	case len(names) > 1:
		return "", fmt.Errorf("%s.service %q: matches %d Services (%s), must match one", field, svc, len(names), strings.Join(names, ", "))
	}
	return names[0], nil
}

// pollUntil calls cond every 250 ms until it holds, errs, or ctx ends. It is
// for conditions on objects that do not exist yet (nothing to watch by name).
func pollUntil(ctx context.Context, cond func() (bool, error)) error {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// waitDaemonSet holds until a DaemonSet's current pods are scheduled on every node it wants and
// all ready.
func waitDaemonSet(ctx context.Context, cs kubernetes.Interface, ns, name string) error {
	var last string
	err := pollUntil(ctx, func() (bool, error) {
		d, err := cs.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		st := d.Status
		last = fmt.Sprintf("%d desired, %d updated, %d ready", st.DesiredNumberScheduled, st.UpdatedNumberScheduled, st.NumberReady)
		return st.ObservedGeneration >= d.Generation && st.DesiredNumberScheduled > 0 &&
			st.UpdatedNumberScheduled == st.DesiredNumberScheduled && st.NumberReady == st.DesiredNumberScheduled, nil
	})
	if err != nil {
		return fmt.Errorf("daemonset/%s did not become ready (%s): %w", name, last, err)
	}
	return nil
}
