//go:build e2e

package lint

import (
	"context"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// TestFromCluster lints a live cluster's workloads: it creates a namespace
// labelled for Istio injection with a Deployment whose EXIT_ON_ZERO proxy is
// capped by a 10 s grace, and an haproxy gateway with no preStop behind a
// Service on 2222, then expects exactly those findings for that namespace.
// It needs an existing cluster: DRAINPROOF_LINT_KUBECONFIG names its
// kubeconfig (the test fails without it: -tags e2e asks for a cluster).
// Nothing is scheduled: the Deployments have 0 replicas.
func TestFromCluster(t *testing.T) {
	kc := os.Getenv("DRAINPROOF_LINT_KUBECONFIG")
	if kc == "" {
		t.Fatal("DRAINPROOF_LINT_KUBECONFIG: the kubeconfig of an existing cluster to lint")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName: "drainproof-lint-", Labels: map[string]string{"istio-injection": "enabled"}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{}) })
	zero, ten := int32(0), int64(10)
	dep := func(name string, labels, annos map[string]string, grace *int64, c corev1.Container) *appsv1.Deployment {
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: appsv1.DeploymentSpec{Replicas: &zero, Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annos},
					Spec: corev1.PodSpec{TerminationGracePeriodSeconds: grace, Containers: []corev1.Container{c}}}},
		}
	}
	for _, d := range []*appsv1.Deployment{
		dep("sshd", map[string]string{"app": "sshd"}, map[string]string{annoProxyConfig: `{"proxyMetadata": {"EXIT_ON_ZERO_ACTIVE_CONNECTIONS": "true"}}`}, &ten,
			corev1.Container{Name: "sshd", Image: "example/sshd:1"}),
		dep("gateway", map[string]string{"app": "gateway", labelInject: "false"}, nil, nil,
			corev1.Container{Name: "haproxy", Image: "haproxy:3.0", Ports: []corev1.ContainerPort{{ContainerPort: 2222}}}),
	} {
		if _, err := cs.AppsV1().Deployments(ns.Name).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "gateway"}, Spec: corev1.ServiceSpec{
		Selector: map[string]string{"app": "gateway"}, Ports: []corev1.ServicePort{{Name: "ssh", Port: 2222}}}}
	if _, err := cs.CoreV1().Services(ns.Name).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	objs, err := FromCluster(ctx, cfg, ns.Name)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Check(objs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"exit-on-zero-capped-by-grace": "Deployment/" + ns.Name + "/sshd", "long-lived-port-without-drain": "Deployment/" + ns.Name + "/gateway"}
	for _, f := range got {
		if want[f.Rule] != f.Object.String() {
			t.Errorf("unexpected finding %s %s", f.Rule, f.Object)
		}
		delete(want, f.Rule)
	}
	for r, o := range want {
		t.Errorf("missing %s on %s", r, o)
	}
}
