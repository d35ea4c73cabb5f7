package watch

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/drainproof/drainproof/internal/kube"
	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

// These tests drive the watcher's handlers with constructed API objects, in
// the order and with the repetitions an informer delivers them (repeats are
// what a resync or relist hands over). The e2e tests in internal/disrupt prove
// the same on a real cluster.

func newTestWatcher() (*Watcher, *ledger.Ledger) {
	l := ledger.New()
	return New(nil, "ns", l), l
}

// kinds renders the ledger as "kind pod key=value..." lines (selected detail keys).
func kinds(l *ledger.Ledger, keys ...string) []string {
	var out []string
	for _, e := range l.Events() {
		line := string(e.Kind) + " " + e.Pod
		for _, k := range keys {
			if v, ok := e.Detail[k]; ok {
				line += fmt.Sprintf(" %s=%s", k, v)
			}
		}
		if e.Kind == ledger.ContainerExited {
			line += fmt.Sprintf(" code=%d", e.Code)
		}
		out = append(out, line)
	}
	return out
}

func expect(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("ledger:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func pod(mut ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "ns", CreationTimestamp: metav1.Now()},
		Spec:       corev1.PodSpec{NodeName: "node-a"},
		Status:     corev1.PodStatus{Phase: corev1.PodPending},
	}
	for _, m := range mut {
		m(p)
	}
	return p
}

func running(p *corev1.Pod) {
	p.Status.Phase, p.Status.PodIP = corev1.PodRunning, "10.0.0.7"
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
}

func evicted(p *corev1.Pod) {
	now := metav1.Now()
	grace := int64(30)
	p.DeletionTimestamp, p.DeletionGracePeriodSeconds = &now, &grace
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "EvictionByEvictionAPI"})
}

func exited(p *corev1.Pod) {
	p.Status.Conditions[0].Status = corev1.ConditionFalse
	p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", FinishedAt: metav1.Now()}}
}

func TestPodTransitionsAreRecordedOnceWhateverIsRepeated(t *testing.T) {
	w, l := newTestWatcher()
	w.pod(pod(), false)
	w.pod(pod(running), false)
	for range 3 { // resyncs and no-op updates (labels, annotations) hand the same state again
		w.pod(pod(running), false)
	}
	w.pod(pod(running, evicted), false)
	w.pod(pod(running, evicted), false)
	w.pod(pod(running, evicted, exited), false)
	w.pod(pod(running, evicted, exited), false)
	gone := pod(running, evicted, exited)
	gone.Status.PodIP = "" // what a relist may hand over: the last state, IP cleared
	w.pod(cache.DeletedFinalStateUnknown{Key: "ns/web-1", Obj: gone}, true)

	expect(t, kinds(l, "ip", "grace", "disruption"), []string{
		"pod-created ns/web-1",
		"pod-ready ns/web-1 ip=10.0.0.7",
		"pod-deleting ns/web-1 ip=10.0.0.7 grace=30s disruption=EvictionByEvictionAPI",
		"pod-not-ready ns/web-1 ip=10.0.0.7",
		"container-exited ns/web-1 ip=10.0.0.7 code=0",
		"pod-gone ns/web-1 ip=10.0.0.7",
	})
	if n := w.Notifications(); n != 10 {
		t.Errorf("Notifications() = %d, want the 10 handed over", n)
	}
}

func TestEachContainerRestartIsOneExit(t *testing.T) {
	w, l := newTestWatcher()
	crash := func(restarts int32, state corev1.ContainerState) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].RestartCount = restarts
			p.Status.ContainerStatuses[0].State = state
		}
	}
	term := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2, Reason: "Error"}}
	wait := corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
	for _, m := range []func(*corev1.Pod){crash(0, term), crash(0, term), crash(1, wait), crash(1, term), crash(1, term), crash(2, wait)} {
		w.pod(pod(running, m), false)
	}
	var exits int
	for _, e := range l.Events() {
		if e.Kind == ledger.ContainerExited {
			exits++
		}
	}
	if exits != 2 {
		t.Fatalf("%d container-exited events for two crashes:\n%s", exits, strings.Join(kinds(l), "\n"))
	}
}

type ep struct {
	pod, ip     string
	ready       bool
	terminating bool
}

func slice(name, svc string, eps ...ep) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns",
		Labels: map[string]string{discoveryv1.LabelServiceName: svc}}}
	for _, e := range eps {
		ready, terminating := e.ready, e.terminating
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{
			Addresses:  []string{e.ip},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready, Terminating: &terminating},
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Name: e.pod},
		})
	}
	return s
}

func TestEndpointMovingBetweenSlicesRecordsNothing(t *testing.T) {
	w, l := newTestWatcher()
	a, b := ep{pod: "web-1", ip: "10.0.0.7", ready: true}, ep{pod: "web-2", ip: "10.0.0.8", ready: true}
	w.endpoints(slice("web-x", "web", a, b), false)
	w.endpoints(slice("web-x", "web", a, b), false)                                          // resync
	w.endpoints(slice("web-y", "web", b), false)                                             // the controller moves web-2 to another slice...
	w.endpoints(slice("web-x", "web", a), false)                                             // ...and drops it from the first
	w.endpoints(slice("web-v6", "web", ep{pod: "web-1", ip: "fd00::7", ready: true}), false) // dual stack: same pod, other family
	w.endpoints(slice("web-y", "web", ep{pod: "web-2", ip: "10.0.0.8"}), false)
	w.endpoints(slice("web-y", "web"), false)
	w.endpoints(slice("web-x", "web"), false)
	w.endpoints(cache.DeletedFinalStateUnknown{Obj: slice("web-v6", "web")}, true)

	expect(t, kinds(l, "service", "ip", "why"), []string{
		"endpoint-added ns/web-1 service=web ip=10.0.0.7",
		"endpoint-added ns/web-2 service=web ip=10.0.0.8",
		"endpoint-removed ns/web-2 service=web ip=10.0.0.8 why=not ready",
		"endpoint-removed ns/web-1 service=web ip=fd00::7 why=removed",
	})
}

func TestEndpointsArePerService(t *testing.T) {
	w, l := newTestWatcher()
	a := ep{pod: "web-1", ip: "10.0.0.7", ready: true}
	w.endpoints(slice("web-x", "web", a), false)
	w.endpoints(slice("web-headless-x", "web-headless", a), false)
	w.endpoints(slice("web-x", "web"), false)

	expect(t, kinds(l, "service"), []string{
		"endpoint-added ns/web-1 service=web",
		"endpoint-added ns/web-1 service=web-headless",
		"endpoint-removed ns/web-1 service=web",
	})
}

// The slice saying a deleted pod's endpoint is terminating can arrive before
// the pod's own update (two watch streams): the removal waits for PodDeleting.
func TestEndpointRemovalWaitsForThePodsDeletion(t *testing.T) {
	w, l := newTestWatcher()
	w.pod(pod(running), false)
	w.endpoints(slice("web-x", "web", ep{pod: "web-1", ip: "10.0.0.7", ready: true}), false)
	done := make(chan struct{})
	go func() {
		w.endpoints(slice("web-x", "web", ep{pod: "web-1", ip: "10.0.0.7", terminating: true}), false)
		close(done)
	}()
	testsupport.Eventually(t, 10*time.Second, "the endpoint removal waiting for the pod's deletion", func() bool { return w.waiting.Load() > 0 })
	w.pod(pod(running, evicted), false)
	<-done
	expect(t, kinds(l, "why"), []string{
		"pod-created ns/web-1",
		"pod-ready ns/web-1",
		"endpoint-added ns/web-1",
		"pod-deleting ns/web-1",
		"endpoint-removed ns/web-1 why=not ready",
	})
}

// A removal no deletion caused (the pod's labels changed) is still recorded.
func TestEndpointRemovalWithoutDeletionIsRecorded(t *testing.T) {
	w, l := newTestWatcher()
	w.pod(pod(running), false)
	w.endpoints(slice("web-x", "web", ep{pod: "web-1", ip: "10.0.0.7", ready: true}), false)
	w.endpoints(slice("web-x", "web"), false)
	expect(t, kinds(l, "why"), []string{
		"pod-created ns/web-1",
		"pod-ready ns/web-1",
		"endpoint-added ns/web-1",
		"endpoint-removed ns/web-1 why=removed",
	})
}

func TestPodDeletingCarriesWhenItWasRequested(t *testing.T) {
	w, l := newTestWatcher()
	p := pod(running, evicted)
	w.pod(p, false)
	for _, e := range l.Events() {
		if e.Kind == ledger.PodDeleting {
			want := p.DeletionTimestamp.Add(-30 * time.Second).Truncate(ledger.Resolution) // the ledger's resolution
			if e.APITime == nil || !e.APITime.Equal(want) {
				t.Fatalf("pod-deleting api time %v, want %v (deadline minus grace)", e.APITime, want)
			}
			return
		}
	}
	t.Fatal("no pod-deleting")
}

// Every pod event names the pod's workload role, the same for every pod of
// a controller across rollouts and runs: never the pod's random suffix.
func TestPodEventsNameTheWorkload(t *testing.T) {
	yes := true
	owned := func(kind, name string, labels map[string]string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Labels = labels
			p.OwnerReferences = []metav1.OwnerReference{{Kind: kind, Name: name, Controller: &yes}}
		}
	}
	for _, tc := range []struct {
		name string
		mut  func(*corev1.Pod)
		want string
	}{
		{"deployment", owned("ReplicaSet", "gateway-7d9f8c6b5", map[string]string{"pod-template-hash": "7d9f8c6b5"}), "deployment/gateway"},
		{"bare replicaset", owned("ReplicaSet", "cache", nil), "replicaset/cache"},
		{"statefulset", owned("StatefulSet", "db", nil), "statefulset/db"},
		{"daemonset", owned("DaemonSet", "node-agent", nil), "daemonset/node-agent"},
		{"generated name", func(p *corev1.Pod) { p.GenerateName = "client-" }, "pod/client"},
		{"plain pod", func(*corev1.Pod) {}, "pod/web-1"},
	} {
		w, l := newTestWatcher()
		w.pod(pod(tc.mut), false)
		w.pod(pod(tc.mut, running), false)
		for _, line := range kinds(l, "workload") {
			if !strings.HasSuffix(line, " workload="+tc.want) {
				t.Errorf("%s: %q, want workload=%s", tc.name, line, tc.want)
			}
		}
	}
}

// The harness's own pods (in-cluster probers) are no subject: nothing about
// them is recorded, so their IPs never attribute connections to them.
func TestHarnessPodsAreNotRecorded(t *testing.T) {
	w, l := newTestWatcher()
	prober := func(p *corev1.Pod) { p.Name, p.Labels = "dp-prober-0", map[string]string{kube.HarnessLabel: "prober"} }
	w.pod(pod(prober), false)
	w.pod(pod(prober, running), false)
	w.pod(pod(prober, running, exited), false)
	w.pod(pod(prober, running, exited), true)
	w.pod(pod(running), false)
	expect(t, kinds(l), []string{"pod-created ns/web-1", "pod-ready ns/web-1"})
}

// The pod's last container exit is the ContainerExited whose
// containersLeft is 0, whether containers exit in separate status updates
// or in one; a native sidecar counts, a completed init container does not.
func TestLastContainerExitSaysNoneLeft(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	term := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}
	run := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	withSidecar := func(init, sidecar, app, proxy corev1.ContainerState) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "setup"}, {Name: "sidecar", RestartPolicy: &always}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "setup", State: init}, {Name: "sidecar", State: sidecar}}
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: app}, {Name: "proxy", State: proxy}}
		}
	}
	for _, tc := range []struct {
		name    string
		updates []func(*corev1.Pod)
		want    []string
	}{
		{"one at a time", []func(*corev1.Pod){
			withSidecar(term, run, run, run), withSidecar(term, run, term, run),
			withSidecar(term, run, term, term), withSidecar(term, term, term, term),
		}, []string{"setup left=3", "app left=2", "proxy left=1", "sidecar left=0"}},
		{"together", []func(*corev1.Pod){
			withSidecar(term, run, run, run), withSidecar(term, term, term, term),
		}, []string{"setup left=3", "sidecar left=2", "app left=1", "proxy left=0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, l := newTestWatcher()
			for _, u := range tc.updates {
				w.pod(pod(running, u), false)
			}
			var got []string
			for _, e := range l.Events() {
				if e.Kind == ledger.ContainerExited {
					got = append(got, e.Detail["container"]+" left="+e.Detail[ledger.DetailContainersLeft])
				}
			}
			expect(t, got, tc.want)
		})
	}
}
