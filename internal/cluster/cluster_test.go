package cluster

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
)

func node(name string, ready corev1.ConditionStatus) corev1.Node {
	return corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}}}
}

func ds(name string, desired, available int32) appsv1.DaemonSet {
	return appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: desired, NumberAvailable: available, UpdatedNumberScheduled: desired}}
}

func deploy(name string, want, available int32) appsv1.Deployment {
	return appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: appsv1.DeploymentSpec{Replicas: &want},
		Status: appsv1.DeploymentStatus{AvailableReplicas: available, UpdatedReplicas: want}}
}

func TestPendingOfReadyCluster(t *testing.T) {
	p := pendingOf([]corev1.Node{node("cp", corev1.ConditionTrue)},
		[]appsv1.DaemonSet{ds("kindnet", 1, 1), ds("kube-proxy", 1, 1)},
		[]appsv1.Deployment{deploy("coredns", 2, 2)})
	if len(p) != 0 {
		t.Fatalf("ready cluster reported pending: %v", p)
	}
}

func TestPendingOfNamesWhatIsNotReady(t *testing.T) {
	p := pendingOf([]corev1.Node{node("cp", corev1.ConditionTrue), node("w1", corev1.ConditionFalse)},
		[]appsv1.DaemonSet{ds("kindnet", 2, 1)},
		[]appsv1.Deployment{deploy("coredns", 2, 0)})
	got := strings.Join(p, "; ")
	for _, want := range []string{
		"node w1 not Ready",
		"daemonset kube-system/kindnet 1/2 available",
		"deployment kube-system/coredns 0/2 available",
		"daemonset/kube-proxy missing in kube-system",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("pending %q lacks %q", got, want)
		}
	}
	if p := pendingOf(nil, nil, nil); !strings.Contains(strings.Join(p, ";"), "no nodes") {
		t.Errorf("empty cluster: %v", p)
	}
	// a DaemonSet that schedules nowhere yet is not ready either
	if p := pendingOf([]corev1.Node{node("cp", corev1.ConditionTrue)},
		[]appsv1.DaemonSet{ds("kindnet", 0, 0), ds("kube-proxy", 1, 1)}, []appsv1.Deployment{deploy("coredns", 1, 1)}); len(p) != 1 {
		t.Errorf("desired=0 DaemonSet: %v", p)
	}
}

func TestOptionsValidateTheirArguments(t *testing.T) {
	for name, opt := range map[string]Option{
		"NodeImage":      NodeImage(""),
		"Workers":        Workers(-1),
		"Config":         Config(nil),
		"WaitReady":      WaitReady(0),
		"KubeconfigPath": KubeconfigPath(""),
		"LogsOnFailure":  LogsOnFailure(""),
	} {
		o := defaultOptions()
		err := opt.apply(&o)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: want an error naming the option, got %v", name, err)
		}
	}
	o := defaultOptions()
	for _, opt := range []Option{NodeImage("drainproof/node:v1-k"), Workers(2), WaitReady(time.Minute), Keep(true)} {
		if err := opt.apply(&o); err != nil {
			t.Fatal(err)
		}
	}
	if o.nodeImage != "drainproof/node:v1-k" || o.workers != 2 || o.waitReady != time.Minute || !o.keep {
		t.Fatalf("options not applied: %+v", o)
	}
}

func TestNodesConfig(t *testing.T) {
	cfg := nodesConfig(2)
	if len(cfg.Nodes) != 3 || cfg.Nodes[0].Role != v1alpha4.ControlPlaneRole || cfg.Nodes[2].Role != v1alpha4.WorkerRole {
		t.Fatalf("nodes: %+v", cfg.Nodes)
	}
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"drainproof", "dp-e2e.1"} {
		if err := validName(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Drain", "a_b", "a b"} {
		if err := validName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
