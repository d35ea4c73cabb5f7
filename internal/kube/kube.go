// Package kube is the small set of Kubernetes API operations the run engine
// needs: clients from a kubeconfig, a namespace per run, server-side apply of
// rendered objects, and namespace deletion that waits until it is gone.
package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// FieldManager is drainproof's server-side-apply identity.
const FieldManager = "drainproof"

// Clients bundles what the engine talks to the API with.
type Clients struct {
	Config  *rest.Config
	CS      kubernetes.Interface
	Dynamic dynamic.Interface
	Mapper  meta.RESTMapper
}

// FromKubeconfig builds clients from a kubeconfig file.
func FromKubeconfig(path string) (*Clients, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	return FromConfig(cfg)
}

// FromConfig builds clients from a rest.Config.
func FromConfig(cfg *rest.Config) (*Clients, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 50, 100
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(cs.Discovery()))
	return &Clients{Config: cfg, CS: cs, Dynamic: dyn, Mapper: mapper}, nil
}

// CreateNamespace creates ns labelled as drainproof's. It fails if ns exists:
// a run never adopts objects it did not make.
func (c *Clients) CreateNamespace(ctx context.Context, ns string, labels, annotations map[string]string) error {
	l := map[string]string{"app.kubernetes.io/managed-by": "drainproof"}
	for k, v := range labels {
		l[k] = v
	}
	_, err := c.CS.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: l, Annotations: annotations}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	return nil
}

// DeleteNamespace deletes ns and waits until it is gone (or timeout). The
// run is over when this is called, so once the namespace is terminating (no
// controller can create pods in it any more) its pods are deleted again with
// no grace period: a scenario's slow preStop (gateway-linger's 40 s sleep)
// must not hold the teardown.
func (c *Clients) DeleteNamespace(ctx context.Context, ns string, timeout time.Duration) error {
	err := c.CS.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete namespace %s: %w", ns, err)
	}
	zero := int64(0)
	err = c.CS.CoreV1().Pods(ns).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete pods of namespace %s: %w", ns, err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = wait.PollUntilContextCancel(ctx, 500*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		_, err := c.CS.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
	if err != nil {
		return fmt.Errorf("namespace %s still exists after %s: %w", ns, timeout, err)
	}
	return nil
}

// Apply server-side-applies objs into ns (namespaced kinds) in order.
// dryRun asks the API server to validate and admit without persisting.
func (c *Clients) Apply(ctx context.Context, ns string, objs []*unstructured.Unstructured, dryRun bool) error {
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		m, err := c.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return fmt.Errorf("%s %s: %w", gvk.Kind, o.GetName(), err)
		}
		var ri dynamic.ResourceInterface = c.Dynamic.Resource(m.Resource)
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			o.SetNamespace(ns)
			ri = c.Dynamic.Resource(m.Resource).Namespace(ns)
		}
		b, err := json.Marshal(o)
		if err != nil {
			return err
		}
		force := true
		opts := metav1.PatchOptions{FieldManager: FieldManager, Force: &force}
		if dryRun {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		if _, err := ri.Patch(ctx, o.GetName(), types.ApplyPatchType, b, opts); err != nil {
			return fmt.Errorf("apply %s %s: %w", gvk.Kind, o.GetName(), err)
		}
	}
	return nil
}
