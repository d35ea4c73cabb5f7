// Package watch turns what the Kubernetes API says about a namespace's pods
// and EndpointSlices into ledger events, so a dropped connection can be laid
// against the pod events around it (deletion requested, endpoint removed,
// container exited, pod gone).
//
// Invariants: each transition is recorded once (a resync does not repeat it);
// every event carries the time the watch delivered it (Time) and, where the
// API has one, Kubernetes' own 1 s timestamp (APITime); pod events carry the
// pod IP in Detail["ip"] once known, which is how probe connections (whose
// Peer is a pod IP) are attributed to pods.
package watch

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/drainproof/drainproof/harness/ledger"
)

// Watcher records pod and endpoint changes of one namespace.
type Watcher struct {
	cs        kubernetes.Interface
	namespace string
	l         *ledger.Ledger

	mu    sync.Mutex
	pods  map[string]*podState       // by namespace/name
	slice map[string]map[string]bool // slice name -> pod key -> ready
}

type podState struct {
	ip       string
	ready    bool
	deleting bool
	exited   map[string]int32 // container -> restartCount already recorded as exited
}

// New returns a watcher for namespace writing into l.
func New(cs kubernetes.Interface, namespace string, l *ledger.Ledger) *Watcher {
	return &Watcher{cs: cs, namespace: namespace, l: l, pods: map[string]*podState{}, slice: map[string]map[string]bool{}}
}

// Start runs informers until ctx is done. It returns once their caches have
// synced, so every object that exists now has been recorded.
func (w *Watcher) Start(ctx context.Context) error {
	f := informers.NewSharedInformerFactoryWithOptions(w.cs, 0, informers.WithNamespace(w.namespace))
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
	if !ok {
		return
	}
	key := p.Namespace + "/" + p.Name
	w.mu.Lock()
	defer w.mu.Unlock()
	st, seen := w.pods[key]
	if !seen {
		st = &podState{exited: map[string]int32{}}
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
		w.add(ledger.Event{Kind: ledger.PodDeleting, Pod: key, APITime: apiTime(p.DeletionTimestamp.Time), Detail: d})
	}
	statuses := append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...)
	for _, cs := range statuses {
		t := cs.State.Terminated
		if t == nil {
			continue
		}
		if n, done := st.exited[cs.Name]; done && n >= cs.RestartCount+1 {
			continue
		}
		st.exited[cs.Name] = cs.RestartCount + 1
		d := detail(p, st)
		d["container"], d["reason"] = cs.Name, t.Reason
		w.add(ledger.Event{Kind: ledger.ContainerExited, Pod: key, Code: int(t.ExitCode), APITime: apiTime(t.FinishedAt.Time), Detail: d})
	}
	if deleted {
		w.add(ledger.Event{Kind: ledger.PodGone, Pod: key, Detail: detail(p, st)})
		delete(w.pods, key)
	}
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
	return d
}

func apiTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (w *Watcher) endpoints(o any, deleted bool) {
	s, ok := unwrap(o).(*discoveryv1.EndpointSlice)
	if !ok {
		return
	}
	svc := s.Labels[discoveryv1.LabelServiceName]
	now := map[string]bool{}
	ips := map[string]string{}
	if !deleted {
		for _, ep := range s.Endpoints {
			if ep.TargetRef == nil || ep.TargetRef.Kind != "Pod" {
				continue
			}
			key := ep.TargetRef.Namespace + "/" + ep.TargetRef.Name
			if ep.TargetRef.Namespace == "" {
				key = s.Namespace + "/" + ep.TargetRef.Name
			}
			now[key] = ep.Conditions.Ready == nil || *ep.Conditions.Ready
			if len(ep.Addresses) > 0 {
				ips[key] = ep.Addresses[0]
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	before := w.slice[s.Name]
	for key, ready := range now {
		if ready && !before[key] {
			w.add(ledger.Event{Kind: ledger.EndpointAdded, Pod: key, Detail: map[string]string{"service": svc, "ip": ips[key], "slice": s.Name}})
		}
		if !ready && before[key] {
			w.add(ledger.Event{Kind: ledger.EndpointRemoved, Pod: key, Detail: map[string]string{"service": svc, "ip": ips[key], "slice": s.Name, "why": "not ready"}})
		}
	}
	for key, was := range before {
		if _, still := now[key]; !still && was {
			w.add(ledger.Event{Kind: ledger.EndpointRemoved, Pod: key, Detail: map[string]string{"service": svc, "slice": s.Name, "why": "removed"}})
		}
	}
	if deleted {
		delete(w.slice, s.Name)
	} else {
		w.slice[s.Name] = now
	}
}
