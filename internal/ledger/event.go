// Package ledger is drainproof's single record of what happened during a run:
// an append-only, concurrency-safe stream of small events (probe results, API
// changes, disruptions), written as JSON lines. Verdicts and reports read only
// the ledger, so a run can be judged again later from ledger.jsonl alone.
package ledger

import (
	"strings"
	"time"
)

// Kind names what an event says happened. The set is closed: verdicts switch on it.
type Kind string

// Connection lifecycle (ssh, http probes). Every connection that reached
// Established ends in exactly one of ClosedByClient, ClosedByServer or Drop.
const (
	Dial           Kind = "dial"             // a connection attempt started
	Established    Kind = "established"      // handshake done, session usable
	DialFailure    Kind = "dial-failure"     // never established (refused, timeout, auth); not a drop
	Stall          Kind = "stall"            // a heartbeat came back late, the connection lived
	ClosedByClient Kind = "closed-by-client" // the probe ended it cleanly at its scheduled lifetime
	ClosedByServer Kind = "closed-by-server" // the server ended it cleanly at its scheduled lifetime
	Drop           Kind = "drop"             // ended any other way; Cause says how
)

// Request-level results (http probe requests, load attack hits, outbound calls).
const (
	Request  Kind = "request"  // one HTTP request/response through a probe connection
	Hit      Kind = "hit"      // one vegeta attack result
	Outbound Kind = "outbound" // one call made by the in-pod caller during its own shutdown
)

// Kubernetes API observations (watch) and harness actions (disrupt).
const (
	PodCreated      Kind = "pod-created"
	PodReady        Kind = "pod-ready"
	PodNotReady     Kind = "pod-not-ready"
	PodDeleting     Kind = "pod-deleting"     // deletionTimestamp set: SIGTERM / preStop begins
	ContainerExited Kind = "container-exited" // Detail["container"], Detail[DetailContainersLeft], Code = exit code
	PodGone         Kind = "pod-gone"         // object removed from the API
	EndpointAdded   Kind = "endpoint-added"   // Pod's address became ready in an EndpointSlice
	EndpointRemoved Kind = "endpoint-removed" // Pod's address left (or went unready in) an EndpointSlice
	DisruptionStart Kind = "disruption-start" // Detail["action"]
	DisruptionDone  Kind = "disruption-done"  // the action's "done" condition held
	Note            Kind = "note"             // free text for humans; never judged
	// Incomplete says the run cannot be judged as a whole (interrupted,
	// a probe never established, a torn ledger line); Error says why. Any
	// such event makes the verdict's outcome INCOMPLETE.
	Incomplete Kind = "incomplete"
	// NotRun says the run never started: something it needs cannot be had
	// here (an image no registry serves, a stand-in whose source is
	// missing); Error names it. Such a ledger's outcome is NOT RUN, never a
	// pass and never a failure of the system under test.
	NotRun Kind = "not-run"
)

// DetailUnanswered, on a ClosedByClient event, is how long the connection's
// last heartbeat had gone unanswered when the client closed it (set only
// when that exceeds the probe's heartbeat timeout): the close then proves
// nothing about whether the connection was still carried.
const DetailUnanswered = "unanswered"

// DetailContainersLeft, on a ContainerExited event, is how many of the pod's
// containers (native sidecars included) were not yet recorded as exited
// after this one, as the pod's status said: "0" marks its last container's
// exit, the moment the pod carries nothing any more.
const DetailContainersLeft = "containersLeft"

// Resolution is the precision of event times in a ledger file.
const Resolution = time.Millisecond

// Event is one record. Fields are optional except Time and Kind; which ones are
// set depends on Kind. Time is wall-clock from the recording process,
// truncated to Resolution when the ledger accepts it; APITime keeps
// Kubernetes' own 1 s timestamps apart.
type Event struct {
	Seq     int64             `json:"seq"`
	Time    time.Time         `json:"t"`
	Kind    Kind              `json:"kind"`
	Probe   string            `json:"probe,omitempty"`   // ssh, http, load, outbound, watch, disrupt
	Conn    string            `json:"conn,omitempty"`    // probe connection id, e.g. ssh-007
	Target  string            `json:"target,omitempty"`  // address or URL the probe used
	Peer    string            `json:"peer,omitempty"`    // address the server saw (the proxy or pod carrying it)
	Pod     string            `json:"pod,omitempty"`     // namespace/name this event is attributed to
	Cause   Cause             `json:"cause,omitempty"`   // how a drop, dial failure, request or call failed
	Code    int               `json:"code,omitempty"`    // HTTP status or exit code
	Latency time.Duration     `json:"latency,omitempty"` // nanoseconds
	Error   string            `json:"error,omitempty"`
	APITime *time.Time        `json:"api_time,omitempty"` // Kubernetes' own timestamp, when there is one
	Detail  map[string]string `json:"detail,omitempty"`
}

// IsConnectionEnd reports whether e ends a connection's life.
func (e Event) IsConnectionEnd() bool {
	return e.Kind == ClosedByClient || e.Kind == ClosedByServer || e.Kind == Drop
}

// StoppedPods is what a DisruptionStart names as the pods it stops
// (Detail["pods"], comma-separated names in the run's namespace), in the
// recorded order; nil for other events.
func (e Event) StoppedPods() []string {
	if e.Kind != DisruptionStart {
		return nil
	}
	var out []string
	for _, name := range strings.Split(e.Detail["pods"], ",") {
		if name = strings.TrimSpace(name); name != "" {
			out = append(out, name)
		}
	}
	return out
}
