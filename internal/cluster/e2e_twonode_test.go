package cluster

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// TestAirGappedTwoNodesRoutePods proves kindnet-lite's cross-node routes and kube-proxy: an
// httpd pod on the worker is reached from the control-plane node by pod IP and by Service IP.
func TestAirGappedTwoNodesRoutePods(t *testing.T) {
	e2e(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	name := twoNodeCluster()
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
	keepsPodSourceIP(ctx, t, cs, imgs.Fixtures.Ref, name)
}

// twoNodeCluster is the two-node test's kind cluster (DRAINPROOF_TWO_NODE_CLUSTER overrides it).
func twoNodeCluster() string {
	if n := os.Getenv("DRAINPROOF_TWO_NODE_CLUSTER"); n != "" {
		return n
	}
	return "dp-e2e-2node"
}

// keepsPodSourceIP proves pod-to-pod traffic across nodes is not masqueraded (what attribution
// needs: a backend must see the gateway pod's own IP): a caller pod on the control-plane node
// connects to an sshd pod on the worker, and sshd logs the caller pod's IP as the peer.
func keepsPodSourceIP(ctx context.Context, t *testing.T, cs kubernetes.Interface, fixtures, name string) {
	t.Helper()
	ready := func(p *corev1.Pod) bool {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				return true
			}
		}
		return false
	}
	// sshd needs one authorized key; nobody logs in with it
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	keys := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "sshd-keys"},
		Data: map[string]string{"authorized_keys": string(ssh.MarshalAuthorizedKey(sshPub))}}
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, keys, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	sshd := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "sshd-worker"},
		Spec: corev1.PodSpec{
			NodeSelector: map[string]string{"kubernetes.io/hostname": name + "-worker"},
			Containers: []corev1.Container{{
				Name: "sshd", Image: fixtures, ImagePullPolicy: corev1.PullIfNotPresent,
				// no keys: every connection fails its handshake, which sshd logs with the peer
				Command:      []string{"/usr/local/bin/sshd", "--listen", ":2222", "--host-key", "/tmp/host_key", "--authorized-keys", "/etc/keys/authorized_keys"},
				VolumeMounts: []corev1.VolumeMount{{Name: "keys", MountPath: "/etc/keys"}},
				ReadinessProbe: &corev1.Probe{PeriodSeconds: 1, ProbeHandler: corev1.ProbeHandler{
					TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(2222)}}},
			}},
		},
	}
	sshd.Spec.Volumes = []corev1.Volume{{Name: "keys", VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "sshd-keys"}}}}}
	if _, err := cs.CoreV1().Pods("default").Create(ctx, sshd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPod(ctx, t, cs, "default", sshd.Name, "Ready", func(p *corev1.Pod) bool { sshd = p; return ready(p) })
	caller := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "caller-cp"},
		Spec: corev1.PodSpec{
			NodeSelector: map[string]string{"kubernetes.io/hostname": name + "-control-plane"},
			Tolerations:  []corev1.Toleration{{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
			Containers: []corev1.Container{{
				Name: "caller", Image: fixtures, ImagePullPolicy: corev1.PullIfNotPresent,
				Command: []string{"/usr/local/bin/caller", "--target", "http://" + sshd.Status.PodIP + ":2222/", "--interval", "1s"},
			}},
		},
	}
	if _, err := cs.CoreV1().Pods("default").Create(ctx, caller, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPod(ctx, t, cs, "default", caller.Name, "running", func(p *corev1.Pod) bool {
		caller = p
		return p.Status.PodIP != "" && p.Status.Phase == corev1.PodRunning
	})
	want := "peer=" + caller.Status.PodIP + ":"
	var logs string
	err = wait.PollUntilContextTimeout(ctx, time.Second, time.Minute, true, func(ctx context.Context) (bool, error) {
		b, err := cs.CoreV1().Pods("default").GetLogs(sshd.Name, &corev1.PodLogOptions{}).DoRaw(ctx)
		logs = string(b)
		return err == nil && strings.Contains(logs, want), nil
	})
	if err != nil {
		t.Fatalf("sshd on %s-worker never saw the caller pod's own IP %s (%s on %s-control-plane): masqueraded across nodes?\nsshd log:\n%s",
			name, caller.Status.PodIP, caller.Name, name, logs)
	}
	t.Logf("pod to pod across nodes keeps its source: sshd on the worker logged %q", want)
}
