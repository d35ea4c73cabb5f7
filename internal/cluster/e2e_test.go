package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// e2eTag is set when built with -tags e2e.
var e2eTag bool

// e2e gates the tests that build real images and run a real kind cluster (minutes, root, docker,
// Debian mirror, Go module proxy): they run with -tags e2e (the kind suites' tag) or
// DRAINPROOF_E2E=1.
func e2e(t *testing.T) {
	t.Helper()
	if !e2eTag && os.Getenv("DRAINPROOF_E2E") != "1" {
		t.Skip("build with -tags e2e or set DRAINPROOF_E2E=1 to build images and run a kind cluster")
	}
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestAirGappedClusterRunsOurImages is the proof of the air-gapped path: build (or reuse) the
// node, fixtures and gateway images, create a 1-node cluster from the node image, load the
// fixtures and gateway archives, and run a pod from each: httpd must become Ready (its readiness
// probe crosses the pod network); in the gateway image haproxy -v and nginx -v must succeed and
// the fixture binaries must be there, and the API Service name must resolve through CoreDNS.
func TestAirGappedClusterRunsOurImages(t *testing.T) {
	e2e(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	log := logWriter{t}
	name := "dp-e2e-cluster"
	_ = Delete(ctx, name) // a leftover from an interrupted run would be reused, not created

	c, imgs, err := Up(ctx, UpOptions{Name: name, AirGapped: true, LogsDir: t.TempDir(), Log: log})
	if c != nil && os.Getenv("DRAINPROOF_KEEP") != "1" {
		t.Cleanup(func() {
			if err := c.Delete(context.Background()); err != nil {
				t.Errorf("delete: %v", err)
			}
		})
	}
	if imgs != nil {
		for _, tm := range imgs.Timings {
			t.Logf("timing: %s", tm)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if c.Reused {
		t.Fatal("a fresh cluster was expected (it was deleted first)")
	}
	if missing, err := Preflight(ctx, true); err != nil || len(missing) != 0 {
		t.Fatalf("air-gapped preflight after the build: missing %v, err %v", missing, err)
	}
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	ns := "default"
	httpd := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "fixtures-httpd"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "httpd", Image: imgs.Fixtures.Ref, ImagePullPolicy: corev1.PullIfNotPresent,
			Command: []string{"/usr/local/bin/httpd", "--listen", ":8080"},
			ReadinessProbe: &corev1.Probe{PeriodSeconds: 1, ProbeHandler: corev1.ProbeHandler{
				HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}}},
		}}},
	}
	haproxy := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "gateway-haproxy-version"},
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{
			Name: "haproxy", Image: imgs.Gateway.Ref, ImagePullPolicy: corev1.PullIfNotPresent,
			// Debian's haproxy and nginx-light, and the fixture binaries (drainwait is the preStop helper)
			// ... and cluster DNS (CoreDNS through kube-proxy's Service rules) from a pod.
			Command: []string{"sh", "-c", "haproxy -v && nginx -v 2>&1 && ls /usr/local/bin/ && getent hosts kubernetes.default.svc.cluster.local"},
		}}},
	}
	for _, p := range []*corev1.Pod{httpd, haproxy} {
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create pod %s: %v", p.Name, err)
		}
	}
	t0 := time.Now()
	waitPod(ctx, t, cs, ns, httpd.Name, "Ready", func(p *corev1.Pod) bool {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				return true
			}
		}
		return false
	})
	waitPod(ctx, t, cs, ns, haproxy.Name, "Succeeded", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodSucceeded })
	t.Logf("timing: pods ready %.1fs", time.Since(t0).Seconds())
	out := podLogs(ctx, t, cs, ns, haproxy.Name)
	for _, want := range append([]string{"HAProxy version", "nginx version", "10.96.0.1 "}, imgs.Gateway.Binaries...) {
		if !strings.Contains(out, want) {
			t.Fatalf("gateway pod output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("gateway image: %s", strings.SplitN(out, "\n", 2)[0])
}

// waitPod polls the pod until ok, failing with its last status (and image pull trouble, the
// usual cause) when it does not get there.
func waitPod(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, name, what string, ok func(*corev1.Pod) bool) {
	t.Helper()
	var last *corev1.Pod
	err := wait.PollUntilContextTimeout(ctx, time.Second, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = p
		if p.Status.Phase == corev1.PodFailed {
			return false, fmt.Errorf("pod %s failed: %s", name, podLogs(ctx, t, cs, ns, name))
		}
		return ok(p), nil
	})
	if err != nil {
		status := "never seen"
		if last != nil {
			status = fmt.Sprintf("phase %s, containers %+v", last.Status.Phase, last.Status.ContainerStatuses)
		}
		t.Fatalf("pod %s not %s: %v (%s)", name, what, err, status)
	}
}

func podLogs(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, name string) string {
	r, err := cs.CoreV1().Pods(ns).GetLogs(name, &corev1.PodLogOptions{}).Stream(ctx)
	if err != nil {
		return "(logs: " + err.Error() + ")"
	}
	defer r.Close()
	var b bytes.Buffer
	_, _ = io.Copy(&b, r)
	return b.String()
}
