package watch

import (
	"sort"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/drainproof/drainproof/internal/ledger"
)

// sliceState is what one EndpointSlice last said.
type sliceState struct {
	service string
	pods    map[string]endpoint // pod key -> its endpoint in this slice
}

type endpoint struct {
	ip          string
	ready       bool
	terminating bool
}

// causalWait bounds how long an endpoint removal waits for the PodDeleting
// that caused it (the two arrive on separate watch streams, milliseconds
// apart). A removal that is not a deletion's (a label change) is recorded
// after this delay at worst.
const causalWait = time.Second

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

// listedIn reports whether any slice of svc lists pod (ready or not), and
// whether one lists it terminating.
func (w *Watcher) listedIn(svc, pod string) (listed, terminating bool) {
	for _, s := range w.slices {
		if ep, ok := s.pods[pod]; ok && s.service == svc {
			listed = true
			terminating = terminating || ep.terminating
		}
	}
	return listed, terminating
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
			e := endpoint{
				ready:       ep.Conditions.Ready == nil || *ep.Conditions.Ready,
				terminating: ep.Conditions.Terminating != nil && *ep.Conditions.Terminating,
			}
			if len(ep.Addresses) > 0 {
				e.ip = ep.Addresses[0]
			}
			now.pods[ns+"/"+ep.TargetRef.Name] = e
		}
	}
	events, causes := w.sliceChanged(s.Name, now, deleted)
	if len(causes) > 0 {
		w.waiting.Add(1)
		timeout := time.After(causalWait)
	wait:
		for _, c := range causes {
			select {
			case <-c:
			case <-timeout:
				break wait
			}
		}
		w.waiting.Add(-1)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, e := range events {
		w.add(e)
	}
}

// sliceChanged stores what slice name now says and returns the endpoint
// events that follow, with the deletions still to be recorded that cause
// some of them (pods whose endpoint turned terminating or vanished).
func (w *Watcher) sliceChanged(name string, now sliceState, deleted bool) ([]ledger.Event, []chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	services := []string{now.service}
	if old, ok := w.slices[name]; ok && old.service != now.service {
		services = append(services, old.service)
	}
	before := map[string]map[string]string{}
	for _, svc := range services {
		before[svc] = w.readyIn(svc)
	}
	if deleted {
		delete(w.slices, name)
	} else {
		w.slices[name] = now
	}
	var (
		events []ledger.Event
		causes []chan struct{}
	)
	for _, svc := range services {
		was, is := before[svc], w.readyIn(svc)
		for _, key := range sortedKeys(is) {
			if _, ok := was[key]; !ok {
				events = append(events, ledger.Event{Kind: ledger.EndpointAdded, Pod: key, Detail: map[string]string{"service": svc, "ip": is[key], "slice": name}})
			}
		}
		for _, key := range sortedKeys(was) {
			if _, ok := is[key]; ok {
				continue
			}
			why := "removed"
			listed, terminating := w.listedIn(svc, key)
			if listed {
				why = "not ready"
			}
			if st := w.pods[key]; st != nil && !st.deleting && (terminating || !listed) {
				causes = append(causes, st.ended)
			}
			events = append(events, ledger.Event{Kind: ledger.EndpointRemoved, Pod: key, Detail: map[string]string{"service": svc, "ip": was[key], "slice": name, "why": why}})
		}
	}
	return events, causes
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
