package kube

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// Conditions polls named conditions on a cluster's state, in order, within one shared
// deadline: an install's done condition is a list of such parts, and the first part that
// never holds is named in the error, with the last thing its check said.
type Conditions struct {
	Owner   string        // who waits, first in every error ("istio install")
	Timeout time.Duration // for all parts together
	Every   time.Duration // poll interval; 0: one second
}

// Condition is one part: ok once it holds; an error is "not yet, because ..." (kept for the
// error message), never fatal.
type Condition struct {
	What  string // "istiod Deployment available"
	Holds func(context.Context) (bool, error)
}

// Wait returns nil once every part held, in order.
func (c Conditions) Wait(ctx context.Context, parts ...Condition) error {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	every := c.Every
	if every == 0 {
		every = time.Second
	}
	for _, p := range parts {
		var last string
		err := wait.PollUntilContextCancel(ctx, every, true, func(ctx context.Context) (bool, error) {
			ok, err := p.Holds(ctx)
			if err != nil {
				last = err.Error()
			}
			return ok, nil
		})
		if err != nil {
			return fmt.Errorf("%s: %s did not happen within %v (last: %s): %w", c.Owner, p.What, c.Timeout, last, err)
		}
	}
	return nil
}

// DeploymentAvailable holds once namespace/name's controller saw its latest spec, every
// replica is updated and at least one is available.
func DeploymentAvailable(cs kubernetes.Interface, namespace, name string) Condition {
	return Condition{What: "the " + name + " Deployment available", Holds: func(ctx context.Context) (bool, error) {
		d, err := cs.AppsV1().Deployments(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if d.Status.ObservedGeneration < d.Generation || d.Status.UpdatedReplicas < d.Status.Replicas || d.Status.AvailableReplicas < 1 {
			return false, fmt.Errorf("%s: %d/%d updated, %d available", name, d.Status.UpdatedReplicas, d.Status.Replicas, d.Status.AvailableReplicas)
		}
		return true, nil
	}}
}
