// Package watch turns what the Kubernetes API says about a namespace's pods
// and EndpointSlices into ledger events, so a dropped connection can be laid
// against the pod events around it (deletion requested, endpoint removed,
// container exited, pod gone).
//
// Invariants: each transition is recorded once (a resync does not repeat it);
// every event carries the time the watch delivered it (Time) and, where the
// API has one, Kubernetes' own 1 s timestamp (APITime: creation, deletion
// requested, container finished); pod events carry the
// pod IP in Detail["ip"] once known, which is how probe connections (whose
// Peer is a pod IP) are attributed to pods.
//
// Endpoint events are per Service and pod, whatever EndpointSlice carries
// the pod: a pod counts as in a Service's endpoints while any slice of that
// Service lists it ready, so an endpoint moving between slices (the
// controller rebalancing, or one slice per address family) records nothing.
// Pods and EndpointSlices arrive on two watch streams, so the slice saying a
// deleted pod's endpoint is terminating can arrive first; its EndpointRemoved
// then waits (at most causalWait) until the pod's PodDeleting is recorded, so
// the ledger keeps cause before effect.
//
// The harness's own pods (kube.HarnessLabel: in-cluster probers) are not
// recorded: their IPs would attribute the connections they open to them.
//
// Every pod event names the pod's workload role in Detail["workload"]
// ("deployment/gateway", see workload): stable across pods and runs.
//
// A PodDeleting whose pod carries a DisruptionTarget condition names its
// reason in Detail["disruption"] (EvictionByEvictionAPI, PreemptionByScheduler,
// DeletionByTaintManager, ...), which tells an eviction from a plain delete.
package watch

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/drainproof/drainproof/internal/kube"
	"github.com/drainproof/drainproof/internal/ledger"
)

// Watcher records pod and endpoint changes of one namespace.
type Watcher struct {
	// Resync, when positive and set before Start, makes the informers hand
	// every object to the watcher again this often. Nothing needs it (a
	// resync never records anything); tests use it to prove exactly that.
	Resync time.Duration

	cs        kubernetes.Interface
	namespace string
	l         *ledger.Ledger
	notified  atomic.Uint64
	waiting   atomic.Int32 // endpoint removals waiting for their pod's deletion (tests watch it)

	mu     sync.Mutex
	pods   map[string]*podState  // by namespace/name
	slices map[string]sliceState // by slice name
}

type podState struct {
	ip       string
	ready    bool
	deleting bool
	exited   map[string]int32 // container -> restartCount already recorded as exited
	// ended is closed once PodDeleting (or, failing that, PodGone) is
	// recorded: an endpoint removal caused by the deletion waits for it.
	ended chan struct{}
}

// markEnded closes ended once.
func (st *podState) markEnded() {
	select {
	case <-st.ended:
	default:
		close(st.ended)
	}
}

// New returns a watcher for namespace writing into l.
func New(cs kubernetes.Interface, namespace string, l *ledger.Ledger) *Watcher {
	return &Watcher{cs: cs, namespace: namespace, l: l, pods: map[string]*podState{}, slices: map[string]sliceState{}}
}

// Notifications is how many informer notifications (adds, updates including
// resyncs and relists, deletes) the watcher has handled so far.
func (w *Watcher) Notifications() uint64 { return w.notified.Load() }

// Start runs informers until ctx is done. It returns once their caches have
// synced, so every object that exists now has been recorded.
func (w *Watcher) Start(ctx context.Context) error {
	f := informers.NewSharedInformerFactoryWithOptions(w.cs, max(w.Resync, 0), informers.WithNamespace(w.namespace))
	pods := f.Core().V1().Pods().Informer()
	slices := f.Discovery().V1().EndpointSlices().Informer()
	if _, err := pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { w.pod(o, false) },
		UpdateFunc: func(_, o any) { w.pod(o, false) },
		DeleteFunc: func(o any) { w.pod(o, true) },
	}); err != nil {
		return err
	}
	if _, err := slices.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { w.endpoints(o, false) },
		UpdateFunc: func(_, o any) { w.endpoints(o, false) },
		DeleteFunc: func(o any) { w.endpoints(o, true) },
	}); err != nil {
		return err
	}
	f.Start(ctx.Done())
	for typ, ok := range f.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("watch %s in namespace %s: cache did not sync", typ, w.namespace)
		}
	}
	return nil
}

func (w *Watcher) add(e ledger.Event) {
	e.Probe = "watch"
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	_ = w.l.Add(e) // a closed ledger means the run is over; late events are moot
}

func unwrap(o any) any {
	if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return o
}

func (w *Watcher) pod(o any, deleted bool) {
	p, ok := unwrap(o).(*corev1.Pod)
	if !ok || kube.IsHarness(p.Labels) {
		return // the harness's own pods (in-cluster probers) are no subject
	}
	w.notified.Add(1)
	key := p.Namespace + "/" + p.Name
	w.mu.Lock()
	defer w.mu.Unlock()
	st, seen := w.pods[key]
	if !seen {
		st = &podState{exited: map[string]int32{}, ended: make(chan struct{})}
		w.pods[key] = st
		w.add(ledger.Event{Kind: ledger.PodCreated, Pod: key, APITime: apiTime(p.CreationTimestamp.Time), Detail: detail(p, nil)})
	}
	if p.Status.PodIP != "" {
		st.ip = p.Status.PodIP
	}
	if ready := podReady(p); ready != st.ready {
		st.ready = ready
		k := ledger.PodNotReady
		if ready {
			k = ledger.PodReady
		}
		w.add(ledger.Event{Kind: k, Pod: key, Detail: detail(p, st)})
	}
	if p.DeletionTimestamp != nil && !st.deleting {
		st.deleting = true
		d := detail(p, st)
		if p.DeletionGracePeriodSeconds != nil {
			d["grace"] = fmt.Sprintf("%ds", *p.DeletionGracePeriodSeconds)
		}
		if r := disruptionReason(p); r != "" {
			d["disruption"] = r
		}
		w.add(ledger.Event{Kind: ledger.PodDeleting, Pod: key, APITime: apiTime(deletionRequested(p)), Detail: d})
		st.markEnded()
	}
	statuses := append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...)
	var exits []corev1.ContainerStatus // terminated since last seen, in status order
	running := 0                       // containers not terminated in this status
	for _, cs := range statuses {
		t := cs.State.Terminated
		if t == nil {
			running++
			continue
		}
		if n, done := st.exited[cs.Name]; done && n >= cs.RestartCount+1 {
			continue
		}
		st.exited[cs.Name] = cs.RestartCount + 1
		exits = append(exits, cs)
	}
	for i, cs := range exits {
		t := cs.State.Terminated
		d := detail(p, st)
		d["container"], d["reason"] = cs.Name, t.Reason
		d[ledger.DetailContainersLeft] = strconv.Itoa(running + len(exits) - 1 - i)
		w.add(ledger.Event{Kind: ledger.ContainerExited, Pod: key, Code: int(t.ExitCode), APITime: apiTime(t.FinishedAt.Time), Detail: d})
	}
	if deleted {
		w.add(ledger.Event{Kind: ledger.PodGone, Pod: key, Detail: detail(p, st)})
		st.markEnded()
		delete(w.pods, key)
	}
}

// deletionRequested is when the deletion was asked for: the API sets
// deletionTimestamp to that moment plus the grace period (the deadline).
func deletionRequested(p *corev1.Pod) time.Time {
	t := p.DeletionTimestamp.Time
	if g := p.DeletionGracePeriodSeconds; g != nil {
		t = t.Add(-time.Duration(*g) * time.Second)
	}
	return t
}

// disruptionReason is the reason of the pod's DisruptionTarget condition
// (set by the Eviction API, the scheduler, the taint manager... before they
// delete a pod), or "".
func disruptionReason(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue {
			return c.Reason
		}
	}
	return ""
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func detail(p *corev1.Pod, st *podState) map[string]string {
	d := map[string]string{"node": p.Spec.NodeName}
	ip := p.Status.PodIP
	if ip == "" && st != nil {
		ip = st.ip
	}
	if ip != "" {
		d["ip"] = ip
	}
	for _, ref := range p.OwnerReferences {
		d["owner"] = ref.Kind + "/" + ref.Name
	}
	d["workload"] = workload(p)
	return d
}

// workload names the pod by the role it plays, the same for every pod a
// controller makes and across runs: "deployment/gateway" for a pod of
// ReplicaSet gateway-<pod-template-hash>, "statefulset/db", "daemonset/x",
// "job/x"; an unowned pod is "pod/" + its generateName stem, or its name.
// Never a random suffix: reports name CI test cases after it.
func workload(p *corev1.Pod) string {
	if ref := metav1.GetControllerOf(p); ref != nil {
		kind := strings.ToLower(ref.Kind)
		if h := p.Labels[appsv1.DefaultDeploymentUniqueLabelKey]; kind == "replicaset" && h != "" && strings.HasSuffix(ref.Name, "-"+h) {
			return "deployment/" + strings.TrimSuffix(ref.Name, "-"+h)
		}
		return kind + "/" + ref.Name
	}
	if g := strings.TrimSuffix(p.GenerateName, "-"); g != "" {
		return "pod/" + g
	}
	return "pod/" + p.Name
}

func apiTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
