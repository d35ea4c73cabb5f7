package verdict

import (
	"net"
	"sort"
	"strings"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// Attribution rule. A connection (or outbound call) is carried by a pod when
//  1. any of its events names the pod in Event.Pod (the harness attributed it), or else
//  2. its Peer's IP (port stripped) equals an IP announced for a pod by a pod
//     lifecycle event (Detail["ip"] on pod-created, pod-ready, ...; events of
//     a dying pod announce only an IP not seen for it before). When an
//     IP was announced for several pods (IPs are reused across a rollout),
//     the pod whose announcement is the latest at or before the connection's
//     first event wins; failing that, the earliest announcement after it;
//     or else
//  3. the server behind it named itself (Detail["pod"], e.g. fixtures/sshd's
//     banner). The peer comes first because behind a gateway the server
//     sees — and the drop is caused by — the gateway pod, not itself.
//
// A name without a namespace ("gw-1") matches a known "ns/gw-1" when exactly
// one known pod has that name. A drop is attributed to the carrying pod's
// most recent lifecycle event at or before the drop. Unattributable drops
// are still drops.

// isPodLifecycle reports the kinds that describe a pod's life.
func isPodLifecycle(k ledger.Kind) bool {
	switch k {
	case ledger.PodCreated, ledger.PodReady, ledger.PodNotReady, ledger.PodDeleting,
		ledger.ContainerExited, ledger.PodGone, ledger.EndpointAdded, ledger.EndpointRemoved:
		return true
	}
	return false
}

func announcesIP(k ledger.Kind) bool {
	return k == ledger.PodCreated || k == ledger.PodReady || k == ledger.PodNotReady || k == ledger.EndpointAdded
}

// podInfo is what the ledger says about one pod. Events are in canonical order.
type podInfo struct {
	name     string
	ip       string
	events   []ledger.Event // lifecycle events
	deleting *ledger.Event  // first PodDeleting
	exits    []ledger.Event // ContainerExited
	gone     *ledger.Event  // first PodGone
}

// lastExit is the pod's latest container exit, or nil.
func (p *podInfo) lastExit() *ledger.Event {
	if len(p.exits) == 0 {
		return nil
	}
	return &p.exits[len(p.exits)-1]
}

// end is when the pod finished: its last container exit, else PodGone, else nil.
func (p *podInfo) end() *ledger.Event {
	if e := p.lastExit(); e != nil {
		return e
	}
	return p.gone
}

// lastEventAtOrBefore is the pod's latest lifecycle event with Time <= t.
func (p *podInfo) lastEventAtOrBefore(t time.Time) *ledger.Event {
	var found *ledger.Event
	for i := range p.events {
		if p.events[i].Time.After(t) {
			break
		}
		found = &p.events[i]
	}
	return found
}

// connInfo is one probe connection's life.
type connInfo struct {
	id          string
	first       ledger.Event
	established *ledger.Event
	end         *ledger.Event // first connection-ending event
	peer        string
	hint        string // pod named by the events themselves
	served      string // pod the server named itself as (Detail["pod"])
	pod         string // resolved carrying pod, "" when unattributable
	stalls      int
	stallTimes  []time.Time
}

type ipAnnouncement struct {
	pod string
	at  time.Time
}

// index is the ledger digested for the checks.
type index struct {
	events   []ledger.Event
	pods     map[string]*podInfo
	podNames []string // sorted
	ips      map[string][]ipAnnouncement
	conns    map[string]*connInfo
	connIDs  []string // in order of first event
}

func buildIndex(evs []ledger.Event) *index {
	ix := &index{events: evs, pods: map[string]*podInfo{}, ips: map[string][]ipAnnouncement{}, conns: map[string]*connInfo{}}
	for _, e := range evs {
		if isPodLifecycle(e.Kind) && e.Pod != "" {
			p := ix.pod(e.Pod)
			p.events = append(p.events, e)
			if e.Kind == ledger.ContainerExited {
				p.exits = append(p.exits, e)
			}
			// An IP is announced when a pod starts using it (created, ready,
			// endpoint added) or the first time it is seen at all; a dying
			// pod's later events must not win the IP back from its successor.
			if ip := e.Detail["ip"]; ip != "" && (p.ip != ip || announcesIP(e.Kind)) {
				p.ip = ip
				ix.ips[ip] = append(ix.ips[ip], ipAnnouncement{pod: e.Pod, at: e.Time})
			}
		}
		if e.Conn != "" && e.Kind != ledger.Outbound && !isPodLifecycle(e.Kind) {
			ix.addConnEvent(e)
		}
	}
	// Pointers into p.events are taken only once the slices are final.
	for _, p := range ix.pods {
		p.deleting, p.gone = firstOf(p.events, ledger.PodDeleting), firstOf(p.events, ledger.PodGone)
	}
	for _, id := range ix.connIDs {
		c := ix.conns[id]
		ref := c.first.Time
		if c.established != nil {
			ref = c.established.Time
		}
		c.pod = ix.resolve(c.hint, c.peer, c.served, ref)
		if c.pod != "" {
			ix.pod(c.pod)
		}
	}
	ix.podNames = ix.podNames[:0]
	for name := range ix.pods {
		ix.podNames = append(ix.podNames, name)
	}
	sort.Strings(ix.podNames)
	return ix
}

func firstOf(evs []ledger.Event, k ledger.Kind) *ledger.Event {
	for i := range evs {
		if evs[i].Kind == k {
			return &evs[i]
		}
	}
	return nil
}

func (ix *index) pod(name string) *podInfo {
	p, ok := ix.pods[name]
	if !ok {
		p = &podInfo{name: name}
		ix.pods[name] = p
	}
	return p
}

func (ix *index) addConnEvent(e ledger.Event) {
	c, ok := ix.conns[e.Conn]
	if !ok {
		c = &connInfo{id: e.Conn, first: e}
		ix.conns[e.Conn] = c
		ix.connIDs = append(ix.connIDs, e.Conn)
	}
	if c.peer == "" && e.Peer != "" {
		c.peer = e.Peer
	}
	if c.hint == "" {
		c.hint = e.Pod
	}
	if c.served == "" {
		c.served = e.Detail["pod"]
	}
	switch {
	case e.Kind == ledger.Established && c.established == nil:
		ev := e
		c.established = &ev
	case e.IsConnectionEnd() && c.end == nil:
		ev := e
		c.end = &ev
	case e.Kind == ledger.Stall:
		c.stalls++
		c.stallTimes = append(c.stallTimes, e.Time)
	}
}

// podHint is the pod an event names itself, if any.
func podHint(e ledger.Event) string {
	if e.Pod != "" {
		return e.Pod
	}
	return e.Detail["pod"]
}

// resolve applies the attribution rule (see the comment at the top of this file).
func (ix *index) resolve(hint, peer, served string, at time.Time) string {
	if hint != "" {
		return ix.canonicalPodName(hint)
	}
	anns := ix.ips[peerIP(peer)]
	if len(anns) == 0 {
		if served != "" {
			return ix.canonicalPodName(served)
		}
		return ""
	}
	best := -1
	for i, a := range anns { // anns are in time order
		if !a.at.After(at) {
			best = i
		}
	}
	if best < 0 {
		best = 0
	}
	return anns[best].pod
}

// canonicalPodName maps a bare pod name to the one known namespace/name it
// denotes; anything else is returned as given.
func (ix *index) canonicalPodName(name string) string {
	if _, ok := ix.pods[name]; ok || strings.Contains(name, "/") {
		return name
	}
	match := ""
	for known := range ix.pods {
		if podShortName(known) == name {
			if match != "" {
				return name // ambiguous
			}
			match = known
		}
	}
	if match == "" {
		return name
	}
	return match
}

// podShortName is the name part of namespace/name.
func podShortName(pod string) string {
	if i := strings.LastIndexByte(pod, '/'); i >= 0 {
		return pod[i+1:]
	}
	return pod
}

// peerIP strips the port (and IPv6 brackets) from an address.
func peerIP(peer string) string {
	if peer == "" {
		return ""
	}
	if host, _, err := net.SplitHostPort(peer); err == nil {
		return host
	}
	return strings.Trim(peer, "[]")
}

// dialled says whether any probe dialled a connection (Expect's nil rule for
// MaxDialFailures).
func (ix *index) dialled() bool {
	for _, e := range ix.events {
		if e.Kind == ledger.Dial || e.Kind == ledger.Established || e.Kind == ledger.DialFailure {
			return true
		}
	}
	return false
}
