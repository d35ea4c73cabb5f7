package lint

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// FromCluster reads a live cluster's workloads as Check wants them: every
// Deployment, StatefulSet, DaemonSet, CronJob, ReplicaSet and Job not owned
// by one of those, Pod not owned by a controller, Service, Namespace (for
// Istio's injection labels) and Istio's mesh ConfigMaps in istio-system.
// namespace "" reads all namespaces. It only lists; it changes nothing.
//
// A controller's pod template is read as written, before injection: Istio's
// sidecar is inferred from the namespace label, as for files.
func FromCluster(ctx context.Context, cfg *rest.Config, namespace string) ([]Object, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	src := Source{File: "cluster " + cfg.Host}
	var out []Object
	add := func(kind, apiVersion string, items []runtime.Object) error {
		for _, it := range items {
			m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(it)
			if err != nil {
				return err
			}
			m["kind"], m["apiVersion"] = kind, apiVersion
			out = append(out, Object{Raw: m, Source: src})
		}
		return nil
	}
	lo := metav1.ListOptions{}
	owned := func(o metav1.Object, kinds ...string) bool {
		for _, r := range o.GetOwnerReferences() {
			if r.Controller != nil && *r.Controller && (len(kinds) == 0 || contains(kinds, r.Kind)) {
				return true
			}
		}
		return false
	}
	type lister struct {
		kind, apiVersion string
		list             func() ([]runtime.Object, error)
	}
	listers := []lister{
		{"Namespace", "v1", func() ([]runtime.Object, error) {
			l, err := cs.CoreV1().Namespaces().List(ctx, lo)
			return each(l, err, func() []runtime.Object {
				return ptrs(l.Items, func(o metav1.Object) bool { return namespace == "" || o.GetName() == namespace })
			})
		}},
		{"Deployment", "apps/v1", func() ([]runtime.Object, error) {
			l, err := cs.AppsV1().Deployments(namespace).List(ctx, lo)
			return each(l, err, func() []runtime.Object { return ptrs(l.Items, nil) })
		}},
		{"StatefulSet", "apps/v1", func() ([]runtime.Object, error) {
			l, err := cs.AppsV1().StatefulSets(namespace).List(ctx, lo)
			return each(l, err, func() []runtime.Object { return ptrs(l.Items, nil) })
		}},
		{"DaemonSet", "apps/v1", func() ([]runtime.Object, error) {
			l, err := cs.AppsV1().DaemonSets(namespace).List(ctx, lo)
			return each(l, err, func() []runtime.Object { return ptrs(l.Items, nil) })
		}},
		{"ReplicaSet", "apps/v1", func() ([]runtime.Object, error) {
			l, err := cs.AppsV1().ReplicaSets(namespace).List(ctx, lo)
			return each(l, err, func() []runtime.Object {
				return ptrs(l.Items, func(o metav1.Object) bool { return !owned(o, "Deployment") })
			})
		}},
		{"CronJob", "batch/v1", func() ([]runtime.Object, error) {
			l, err := cs.BatchV1().CronJobs(namespace).List(ctx, lo)
			return each(l, err, func() []runtime.Object { return ptrs(l.Items, nil) })
		}},
		{"Job", "batch/v1", func() ([]runtime.Object, error) {
			l, err := cs.BatchV1().Jobs(namespace).List(ctx, lo)
			return each(l, err, func() []runtime.Object {
				return ptrs(l.Items, func(o metav1.Object) bool { return !owned(o, "CronJob") })
			})
		}},
		{"Pod", "v1", func() ([]runtime.Object, error) {
			l, err := cs.CoreV1().Pods(namespace).List(ctx, lo)
			return each(l, err, func() []runtime.Object { return ptrs(l.Items, func(o metav1.Object) bool { return !owned(o) }) })
		}},
		{"Service", "v1", func() ([]runtime.Object, error) {
			l, err := cs.CoreV1().Services(namespace).List(ctx, lo)
			return each(l, err, func() []runtime.Object { return ptrs(l.Items, nil) })
		}},
		{"ConfigMap", "v1", func() ([]runtime.Object, error) {
			l, err := cs.CoreV1().ConfigMaps("istio-system").List(ctx, lo)
			if err != nil {
				return nil, nil // no Istio, or not allowed to read it: no mesh defaults
			}
			return ptrs(l.Items, func(o metav1.Object) bool { return strings.HasPrefix(o.GetName(), "istio") }), nil
		}},
	}
	for _, l := range listers {
		items, err := l.list()
		if err != nil {
			return nil, fmt.Errorf("list %ss: %w", l.kind, err)
		}
		if err := add(l.kind, l.apiVersion, items); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func each(_ any, err error, f func() []runtime.Object) ([]runtime.Object, error) {
	if err != nil {
		return nil, err
	}
	return f(), nil
}

// ptrs returns pointers to the items keep accepts (all when keep is nil).
func ptrs[T any, PT interface {
	*T
	runtime.Object
	metav1.Object
}](items []T, keep func(metav1.Object) bool) []runtime.Object {
	var out []runtime.Object
	for i := range items {
		p := PT(&items[i])
		if keep == nil || keep(p) {
			out = append(out, p)
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
