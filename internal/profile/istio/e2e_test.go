//go:build e2e

package istio_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/internal/cluster"
	"github.com/drainproof/drainproof/internal/image/airgap"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
	"github.com/drainproof/drainproof/internal/profile/istio"
)

var (
	keep       = flag.Bool("istio.keep", false, "keep the dp-istio cluster (and Istio in it) after the test")
	goParallel = flag.Int("istio.p", 1, "go build -p for the Istio binaries (1 bounds a cold build's memory)")
	nodeImage  = flag.String("istio.node-image", os.Getenv("DRAINPROOF_NODE_IMAGE"), "kind node image (default: the air-gapped one of this tree, else the newest drainproof/node in docker)")
)

const clusterName = "dp-istio"

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestIstioOnKind builds (or reuses) the Istio images, creates (or reuses) the dp-istio cluster
// from the air-gapped node image, installs Istio from the module's charts, installs again (must
// be a no-op that still checks the done condition), and checks real injection: the injected
// spec carries the drain settings asked for, in classic and native sidecar form. With the Envoy
// stand-in in the tree, an injected pod must also become Ready, which needs istiod to have
// delivered CDS and LDS to it through the real pilot-agent.
func TestIstioOnKind(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 75*time.Minute)
	defer cancel()
	log := logWriter{t}
	src, err := imgbuild.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	_, statErr := os.Stat(filepath.Join(src, istio.StandInPackage))
	withStandIn := statErr == nil
	if !withStandIn {
		t.Logf("no %s in this tree: control plane only (the readiness check of an injected pod is not run)", istio.StandInPackage)
	}

	t0 := time.Now()
	b, err := istio.Build(ctx, istio.Options{Log: log, ControlPlaneOnly: !withStandIn, GoParallel: *goParallel})
	if err != nil {
		t.Fatal(err)
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	t.Logf("measure: istio build %.1fs (peak RSS of one child process %d MiB)", time.Since(t0).Seconds(), ru.Maxrss/1024)
	for _, tm := range b.Timings {
		t.Logf("measure: %s", tm)
	}
	if withStandIn {
		l, err := istio.ImageLabels(b.Proxy)
		if err != nil || l[istio.DataPlaneLabel] != istio.DataPlaneStandIn || b.DataPlane != istio.DataPlaneStandIn {
			t.Fatalf("istio-proxy image labels %v (err %v), Built.DataPlane %q: want %s=%q", l, err, b.DataPlane, istio.DataPlaneLabel, istio.DataPlaneStandIn)
		}
	}
	if out, err := exec.CommandContext(ctx, b.Istioctl, "version", "--remote=false").CombinedOutput(); err != nil || !strings.Contains(string(out), istio.Line) {
		t.Fatalf("istioctl version: %v: %s", err, out)
	}

	node := *nodeImage
	if node == "" {
		node = findNodeImage(ctx, t)
	}
	t0 = time.Now()
	c, err := cluster.Create(ctx, clusterName, cluster.NodeImage(node), cluster.Log(log), cluster.LogsOnFailure(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("measure: cluster %s (reused %v) %.1fs", clusterName, c.Reused, time.Since(t0).Seconds())
	t.Cleanup(func() {
		if *keep {
			t.Logf("kept cluster %s (kubeconfig %s)", clusterName, c.KubeconfigPath())
			return
		}
		if err := c.Delete(context.Background()); err != nil {
			t.Errorf("delete cluster: %v", err)
		}
	})
	for _, a := range b.Archives() {
		t0 := time.Now()
		if err := c.LoadImageArchive(ctx, a); err != nil {
			t.Fatal(err)
		}
		t.Logf("measure: load %s %.1fs", filepath.Base(a), time.Since(t0).Seconds())
	}

	rc := c.RESTConfig()
	t0 = time.Now()
	if err := istio.Install(ctx, rc, b, log); err != nil {
		t.Fatal(err)
	}
	t.Logf("measure: install %.1fs", time.Since(t0).Seconds())
	t0 = time.Now()
	if err := istio.Install(ctx, rc, b, log); err != nil {
		t.Fatalf("second install: %v", err)
	}
	t.Logf("measure: install again (reused) %.1fs", time.Since(t0).Seconds())

	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	ns := "istio-e2e"
	_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{istio.InjectionLabel: "enabled"}}}, metav1.CreateOptions{})
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		t.Fatal(err)
	}
	t.Run("classic sidecar carries terminationDrainDuration and EXIT_ON_ZERO", func(t *testing.T) {
		p := injected(ctx, t, cs, ns, map[string]string{
			"sidecar.istio.io/nativeSidecar": "false", // native is this line's default on Kubernetes >= 1.29
			"proxy.istio.io/config":          `{"terminationDrainDuration": "17s", "proxyMetadata": {"EXIT_ON_ZERO_ACTIVE_CONNECTIONS": "true", "MINIMUM_DRAIN_DURATION": "3s"}}`,
		}, b.Istiod.Ref)
		proxy := istio.ProxyOf(p)
		if isInit(p) {
			t.Fatal("istio-proxy is an init container although the pod asked for a classic sidecar")
		}
		env := envOf(proxy)
		if env["EXIT_ON_ZERO_ACTIVE_CONNECTIONS"] != "true" || env["MINIMUM_DRAIN_DURATION"] != "3s" {
			t.Errorf("istio-proxy env lacks the proxyMetadata: %v", env)
		}
		var pc struct {
			TerminationDrainDuration string `json:"terminationDrainDuration"`
		}
		if err := json.Unmarshal([]byte(env["PROXY_CONFIG"]), &pc); err != nil || pc.TerminationDrainDuration != "17s" {
			t.Errorf("PROXY_CONFIG terminationDrainDuration = %q (err %v), want 17s: %s", pc.TerminationDrainDuration, err, env["PROXY_CONFIG"])
		}
	})
	t.Run("the default sidecar is native on this Kubernetes", func(t *testing.T) {
		if p := injected(ctx, t, cs, ns, nil, b.Istiod.Ref); !isInit(p) {
			t.Fatal("istio-proxy is a classic container by default: the scenarios' sidecar kinds assume native is the default")
		}
	})
	t.Run("native sidecar is a restartable init container with the drain preStop", func(t *testing.T) {
		p := injected(ctx, t, cs, ns, map[string]string{"sidecar.istio.io/nativeSidecar": "true"}, b.Istiod.Ref)
		proxy := istio.ProxyOf(p)
		if !isInit(p) || proxy.RestartPolicy == nil || *proxy.RestartPolicy != corev1.ContainerRestartPolicyAlways {
			t.Fatalf("istio-proxy is not a native sidecar: init %v, restartPolicy %v", isInit(p), proxy.RestartPolicy)
		}
		// pilot-agent request --debug-port=15020 POST drain
		if proxy.Lifecycle == nil || proxy.Lifecycle.PreStop == nil || proxy.Lifecycle.PreStop.Exec == nil ||
			!inOrder(proxy.Lifecycle.PreStop.Exec.Command, "pilot-agent", "request", "POST", "drain") {
			t.Errorf("native istio-proxy preStop: %+v", proxy.Lifecycle)
		}
	})
	if withStandIn {
		t.Run("an injected pod becomes Ready behind the stand-in", func(t *testing.T) {
			readyPod(ctx, t, cs, ns, b.Proxy.Ref)
		})
	}
	if !*keep {
		t0 = time.Now()
		if err := istio.Uninstall(ctx, rc, log); err != nil {
			t.Fatal(err)
		}
		t.Logf("measure: uninstall %.1fs", time.Since(t0).Seconds())
	}
}

// findNodeImage is this tree's air-gapped node image when docker has it, else the newest
// drainproof/node image docker has (an image of another tree of this repository), else a
// failure naming the command that builds one.
func findNodeImage(ctx context.Context, t *testing.T) string {
	ref, err := airgap.NodeImageRef(ctx, airgap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := imgbuild.DockerImageExists(ctx, ref); ok {
		return ref
	}
	out, err := imgbuild.Docker(ctx, "images", "--format", "{{.Repository}}:{{.Tag}}", "drainproof/node")
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(out); len(f) > 0 {
		t.Logf("node image %s is not built; using %s (set -istio.node-image to choose)", ref, f[0])
		return f[0]
	}
	t.Fatalf("no air-gapped node image in docker (%s): build one with `make images`", ref)
	return ""
}

func injected(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string, ann map[string]string, image string) *corev1.Pod {
	t.Helper()
	p, err := istio.DryRunCreate(ctx, cs, ns, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "drain-facts", Annotations: ann},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if istio.ProxyOf(p) == nil {
		t.Fatalf("not injected: %+v", p.Spec)
	}
	return p
}

// inOrder reports whether words appear in args in this order (other arguments between them).
func inOrder(args []string, words ...string) bool {
	for _, a := range args {
		if len(words) > 0 && a == words[0] {
			words = words[1:]
		}
	}
	return len(words) == 0
}

func isInit(p *corev1.Pod) bool {
	for _, c := range p.Spec.InitContainers {
		if c.Name == istio.ProxyContainer {
			return true
		}
	}
	return false
}

func envOf(c *corev1.Container) map[string]string {
	m := map[string]string{}
	for _, e := range c.Env {
		m[e.Name] = e.Value
	}
	return m
}

// readyPod runs an injected pod (its app: sleep, in the proxy image, which has a shell) and
// waits until it is Ready: istio-proxy's readiness probe asks pilot-agent, which asks the
// stand-in's admin API for cds/lds update_success.
func readyPod(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, image string) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "ready-behind-standin"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image, ImagePullPolicy: corev1.PullNever,
			Command: []string{"sleep", "infinity"}}}},
	}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var last string
	err := wait.PollUntilContextTimeout(ctx, time.Second, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = fmt.Sprintf("%s %v", p.Status.Phase, p.Status.ContainerStatuses)
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		logs, _ := cs.CoreV1().Pods(ns).GetLogs(pod.Name, &corev1.PodLogOptions{Container: istio.ProxyContainer}).DoRaw(ctx)
		t.Fatalf("injected pod not Ready: %v (last %s)\nistio-proxy log:\n%s", err, last, logs)
	}
}
