//go:build e2e

// The e2e tests prove every disruption, and the watcher recording it, on a
// real kind cluster (dp-disrupt, air-gapped node image) running
// fixtures/httpd:
//
//	go test -tags e2e -count=1 -parallel 8 -timeout 60m -v ./internal/disrupt/...
//
// One cluster serves the package: TestMain creates it (or reuses one of that
// name) and deletes it at the end unless it existed before or
// DRAINPROOF_KEEP=1. Each test works in a namespace of its own, deleted when
// the test ends.
package disrupt_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/internal/cluster"
	"github.com/drainproof/drainproof/internal/disrupt"
	"github.com/drainproof/drainproof/internal/kube"
	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/watch"
)

const clusterName = "dp-disrupt"

// env is the shared cluster, set by TestMain.
var env struct {
	clients *kube.Clients
	cs      kubernetes.Interface
	image   string // fixtures image
}

func TestMain(m *testing.M) { os.Exit(mainE2E(m)) }

func mainE2E(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	c, imgs, err := cluster.Up(ctx, cluster.UpOptions{Name: clusterName, AirGapped: true, Log: os.Stderr})
	if imgs != nil {
		for _, tm := range imgs.Timings {
			fmt.Fprintf(os.Stderr, "timing: %s\n", tm)
		}
	}
	if c != nil && !c.Reused && os.Getenv("DRAINPROOF_KEEP") != "1" {
		defer func() {
			if err := c.Delete(context.Background()); err != nil {
				fmt.Fprintf(os.Stderr, "ERROR deleting cluster %s: %v\n", clusterName, err)
			}
		}()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ERROR cluster %s: %v\n", clusterName, err)
		return 1
	}
	env.clients, err = kube.FromConfig(c.RESTConfig())
	if err != nil {
		fmt.Fprintf(os.Stderr, "ERROR clients for cluster %s: %v\n", clusterName, err)
		return 1
	}
	env.cs, env.image = env.clients.CS, imgs.Fixtures.Ref
	return m.Run()
}

// app is a Deployment "web" of fixtures/httpd behind a Service "web", in a
// namespace of its own, with a watcher recording it into l.
type app struct {
	ns  string
	l   *ledger.Ledger
	w   *watch.Watcher
	ips map[string]string // pod name -> IP, as the disruption found them
}

const appLabel = "web"

// newApp creates the namespace (deleted when t ends), the Deployment and
// Service, waits until every replica is available, then starts the watcher
// (configured by tune, if given) and waits until it has recorded every pod in
// the Service's endpoints.
func newApp(ctx context.Context, t *testing.T, replicas int32, tune func(*watch.Watcher)) *app {
	t.Helper()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	ns := "dp-disrupt-" + strings.ToLower(strings.TrimPrefix(t.Name(), "Test"))
	ns = ns[:min(len(ns), 50)] + "-" + hex.EncodeToString(b)
	if err := env.clients.CreateNamespace(ctx, ns, nil, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.clients.DeleteNamespace(context.Background(), ns, 3*time.Minute); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	labels := map[string]string{"app": appLabel}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: appLabel},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "httpd", Image: env.image, ImagePullPolicy: corev1.PullIfNotPresent,
					// drain delay: the endpoint leaves before the container exits (httpd keeps
					// serving for 2 s after SIGTERM), which the ledger order checks.
					Command: []string{"/usr/local/bin/httpd", "--listen", ":8080", "--drain-delay", "2s"},
					Env: []corev1.EnvVar{
						{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
						{Name: "POD_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
					},
					Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
					ReadinessProbe: &corev1.Probe{PeriodSeconds: 1, ProbeHandler: corev1.ProbeHandler{
						HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}}},
				}}},
			},
		},
	}
	if _, err := env.cs.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: appLabel},
		Spec: corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{
			Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}
	if _, err := env.cs.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create service: %v", err)
	}
	t0 := time.Now()
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if err := disrupt.WaitAvailable(wctx, env.cs, ns, appLabel); err != nil {
		t.Fatal(err)
	}
	a := &app{ns: ns, l: ledger.New(), ips: map[string]string{}}
	a.w = watch.New(env.cs, ns, a.l)
	if tune != nil {
		tune(a.w)
	}
	watchCtx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	t.Cleanup(func() {
		if t.Failed() {
			dump(t, a.l)
		}
	})
	if err := a.w.Start(watchCtx); err != nil {
		t.Fatal(err)
	}
	pods := a.pods(ctx, t)
	for _, p := range pods {
		a.ips[p.Name] = p.Status.PodIP
	}
	a.waitLedger(wctx, t, "every pod in the service's endpoints", func(es []ledger.Event) bool {
		for _, p := range pods {
			if !has(es, ledger.EndpointAdded, ns+"/"+p.Name) {
				return false
			}
		}
		return true
	})
	t.Logf("timing: %d replica(s) available and in endpoints in %.1fs (namespace %s)", replicas, time.Since(t0).Seconds(), ns)
	return a
}

// pods lists the app's pods, terminating ones included.
func (a *app) pods(ctx context.Context, t *testing.T) []corev1.Pod {
	t.Helper()
	pods, err := env.cs.CoreV1().Pods(a.ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + appLabel})
	if err != nil {
		t.Fatal(err)
	}
	return pods.Items
}

// waitLedger polls the ledger until ok holds.
func (a *app) waitLedger(ctx context.Context, t *testing.T, what string, ok func([]ledger.Event) bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Minute, true, func(context.Context) (bool, error) {
		return ok(a.l.Events()), nil
	})
	if err != nil {
		t.Fatalf("the ledger never showed %s: %v", what, err)
	}
}

// do runs the disruption and logs how long it took.
func (a *app) do(ctx context.Context, t *testing.T, spec disrupt.Spec) (time.Duration, error) {
	t.Helper()
	t0 := time.Now()
	err := disrupt.Do(ctx, env.cs, a.ns, spec, a.l)
	d := time.Since(t0)
	t.Logf("timing: %s %s took %.2fs (err %v)", spec.Action, spec.Target, d.Seconds(), err)
	return d, err
}

func has(es []ledger.Event, k ledger.Kind, pod string) bool {
	for _, e := range es {
		if e.Kind == k && e.Pod == pod {
			return true
		}
	}
	return false
}

func dump(t *testing.T, l *ledger.Ledger) {
	t.Helper()
	var b strings.Builder
	for _, e := range l.Events() {
		fmt.Fprintf(&b, "\n  %s #%d %-17s %-8s %s code=%d %v", e.Time.Format("15:04:05.000"), e.Seq, e.Kind, e.Probe, e.Pod, e.Code, e.Detail)
	}
	t.Logf("ledger:%s", b.String())
}
