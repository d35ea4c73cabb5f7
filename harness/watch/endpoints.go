package watch

import (
	"sort"

	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/drainproof/drainproof/harness/ledger"
)

// sliceState is what one EndpointSlice last said.
type sliceState struct {
	service string
	pods    map[string]endpoint // pod key -> its endpoint in this slice
}

type endpoint struct {
	ip    string
	ready bool
}

// readyIn is, for service svc, every pod some slice lists ready, with its IP
// (the smallest, when slices of several address families list it).
func (w *Watcher) readyIn(svc string) map[string]string {
	out := map[string]string{}
	for _, s := range w.slices {
		if s.service != svc {
			continue
		}
		for key, ep := range s.pods {
			if ep.ready {
				if cur, ok := out[key]; !ok || cur == "" || (ep.ip != "" && ep.ip < cur) {
					out[key] = ep.ip
				}
			}
		}
	}
	return out
}

// listedIn reports whether any slice of svc lists pod (ready or not).
func (w *Watcher) listedIn(svc, pod string) bool {
	for _, s := range w.slices {
		if _, ok := s.pods[pod]; ok && s.service == svc {
			return true
		}
	}
	return false
}

func (w *Watcher) endpoints(o any, deleted bool) {
	s, ok := unwrap(o).(*discoveryv1.EndpointSlice)
	if !ok {
		return
	}
	w.notified.Add(1)
	now := sliceState{service: s.Labels[discoveryv1.LabelServiceName], pods: map[string]endpoint{}}
	if !deleted {
		for _, ep := range s.Endpoints {
			if ep.TargetRef == nil || ep.TargetRef.Kind != "Pod" {
				continue
			}
			ns := ep.TargetRef.Namespace
			if ns == "" {
				ns = s.Namespace
			}
			e := endpoint{ready: ep.Conditions.Ready == nil || *ep.Conditions.Ready}
			if len(ep.Addresses) > 0 {
				e.ip = ep.Addresses[0]
			}
			now.pods[ns+"/"+ep.TargetRef.Name] = e
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	services := []string{now.service}
	if old, ok := w.slices[s.Name]; ok && old.service != now.service {
		services = append(services, old.service)
	}
	before := map[string]map[string]string{}
	for _, svc := range services {
		before[svc] = w.readyIn(svc)
	}
	if deleted {
		delete(w.slices, s.Name)
	} else {
		w.slices[s.Name] = now
	}
	for _, svc := range services {
		was, is := before[svc], w.readyIn(svc)
		for _, key := range sortedKeys(is) {
			if _, ok := was[key]; !ok {
				w.add(ledger.Event{Kind: ledger.EndpointAdded, Pod: key, Detail: map[string]string{"service": svc, "ip": is[key], "slice": s.Name}})
			}
		}
		for _, key := range sortedKeys(was) {
			if _, ok := is[key]; ok {
				continue
			}
			why := "removed"
			if w.listedIn(svc, key) {
				why = "not ready"
			}
			w.add(ledger.Event{Kind: ledger.EndpointRemoved, Pod: key, Detail: map[string]string{"service": svc, "ip": was[key], "slice": s.Name, "why": why}})
		}
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
