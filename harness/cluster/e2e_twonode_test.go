package cluster

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/drainproof/drainproof/harness/internal/imgbuild"
)

// TestAirGappedTwoNodesRoutePods proves kindnet-lite's cross-node routes and kube-proxy: an
// httpd pod on the worker is reached from the control-plane node by pod IP and by Service IP.
func TestAirGappedTwoNodesRoutePods(t *testing.T) {
	e2e(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	name := "dp-e2e-2node"
	_ = Delete(ctx, name)
	c, imgs, err := Up(ctx, UpOptions{Name: name, AirGapped: true, Workers: 1, LogsDir: t.TempDir(), Log: logWriter{t}})
	if c != nil && os.Getenv("DRAINPROOF_KEEP") != "1" {
		t.Cleanup(func() { _ = c.Delete(context.Background()) })
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range imgs.Timings {
		t.Logf("timing: %s", tm)
	}
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "httpd-worker"}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "httpd-worker", Labels: labels},
		Spec: corev1.PodSpec{
			NodeSelector: map[string]string{"kubernetes.io/hostname": name + "-worker"},
			Containers: []corev1.Container{{
				Name: "httpd", Image: imgs.Fixtures.Ref, ImagePullPolicy: corev1.PullIfNotPresent,
				Command: []string{"/usr/local/bin/httpd", "--listen", ":8080"},
				ReadinessProbe: &corev1.Probe{PeriodSeconds: 1, ProbeHandler: corev1.ProbeHandler{
					HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}}},
			}},
		},
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "httpd-worker"},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}
	if _, err := cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc, err = cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitPod(ctx, t, cs, "default", pod.Name, "Ready", func(p *corev1.Pod) bool {
		pod = p
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				return true
			}
		}
		return false
	})
	cp := name + "-control-plane"
	for what, url := range map[string]string{
		"pod IP across nodes": "http://" + pod.Status.PodIP + ":8080/healthz",
		"Service IP":          "http://" + svc.Spec.ClusterIP + "/healthz",
	} {
		var out string
		var last error
		err := wait.PollUntilContextTimeout(ctx, time.Second, time.Minute, true, func(ctx context.Context) (bool, error) {
			out, last = imgbuild.Docker(ctx, "exec", cp, "curl", "-sS", "--max-time", "3", url)
			return last == nil, nil
		})
		if err != nil {
			t.Fatalf("%s (%s) from %s: %v (last: %v)", what, url, cp, err, last)
		}
		t.Logf("%s: %s -> %s", what, url, strings.TrimSpace(out))
	}
}
