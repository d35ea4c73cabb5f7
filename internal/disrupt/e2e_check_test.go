//go:build e2e

package disrupt_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/drainproof/drainproof/internal/ledger"
)

// drainWant is what the ledger must say about each victim of an action.
type drainWant struct {
	grace      string // PodDeleting's Detail["grace"]; "" = not checked
	exited     bool   // a ContainerExited is recorded between PodDeleting and PodGone
	disruption string // PodDeleting's Detail["disruption"] ("" = must be absent)
}

// at is an event and its position in the time-ordered ledger.
type at struct {
	i int
	e ledger.Event
}

func find(es []ledger.Event, k ledger.Kind, pod string) []at {
	var out []at
	for i, e := range es {
		if e.Kind == k && (pod == "" || e.Pod == pod) {
			out = append(out, at{i, e})
		}
	}
	return out
}

func one(t *testing.T, es []ledger.Event, k ledger.Kind, pod string) at {
	t.Helper()
	got := find(es, k, pod)
	if len(got) != 1 {
		t.Fatalf("%d %s events for %q, want exactly 1", len(got), k, pod)
	}
	return got[0]
}

// checkDrained asserts each victim's drain in the ledger, in this order:
// DisruptionStart → PodDeleting → EndpointRemoved → ContainerExited → PodGone
// → DisruptionDone (no ContainerExited when !want.exited, and then the
// endpoint may leave after the pod is gone, but before DisruptionDone), with
// the victim's IP on every pod and endpoint event.
func checkDrained(t *testing.T, a *app, victims []string, want drainWant) {
	t.Helper()
	es := a.l.Events()
	start, done := one(t, es, ledger.DisruptionStart, ""), one(t, es, ledger.DisruptionDone, "")
	if start.i > done.i {
		t.Fatalf("disruption-done (#%d) before disruption-start (#%d)", done.e.Seq, start.e.Seq)
	}
	if got := start.e.Detail["pods"]; got != strings.Join(victims, ",") {
		t.Errorf("disruption-start names pods %q, want %q", got, strings.Join(victims, ","))
	}
	for _, v := range victims {
		key, ip := a.ns+"/"+v, a.ips[v]
		if ip == "" {
			t.Fatalf("victim %s had no IP before the disruption", v)
		}
		del, gone := one(t, es, ledger.PodDeleting, key), one(t, es, ledger.PodGone, key)
		removed := one(t, es, ledger.EndpointRemoved, key)
		order := []at{start, del, removed, gone, done}
		names := []string{"disruption-start", "pod-deleting", "endpoint-removed", "pod-gone", "disruption-done"}
		exits := find(es, ledger.ContainerExited, key)
		switch {
		case want.exited && len(exits) == 1:
			order = slices.Insert(order, 3, exits[0])
			names = slices.Insert(names, 3, "container-exited")
			if c := exits[0].e.Detail["container"]; c != "httpd" || exits[0].e.Code != 0 {
				t.Errorf("%s: container-exited %s code %d, want httpd code 0 (a clean drain)", v, c, exits[0].e.Code)
			}
		case want.exited:
			t.Fatalf("%s: %d container-exited events, want 1", v, len(exits))
		case len(exits) != 0:
			t.Fatalf("%s: container-exited recorded, but a force-deleted pod leaves the API before its container stops", v)
		default: // force-delete: the slice controller may drop the endpoint after the pod left the API
			order = []at{start, del, gone, done}
			names = []string{"disruption-start", "pod-deleting", "pod-gone", "disruption-done"}
			if removed.i < del.i || removed.i > done.i {
				t.Errorf("%s: endpoint-removed at #%d outside pod-deleting #%d .. disruption-done #%d", v, removed.e.Seq, del.e.Seq, done.e.Seq)
			}
		}
		for i := 1; i < len(order); i++ {
			if order[i-1].i > order[i].i {
				t.Errorf("%s: %s (#%d) after %s (#%d); want %s", v, names[i-1], order[i-1].e.Seq, names[i], order[i].e.Seq, strings.Join(names, " → "))
			}
		}
		if g := del.e.Detail["grace"]; want.grace != "" && g != want.grace {
			t.Errorf("%s: pod-deleting grace %q, want %q", v, g, want.grace)
		}
		if d := del.e.Detail["disruption"]; d != want.disruption {
			t.Errorf("%s: pod-deleting disruption %q, want %q", v, d, want.disruption)
		}
		for _, e := range es {
			if e.Pod == key && e.Probe == "watch" { // victims ran before the watch began: every event knows the IP
				if e.Detail["ip"] != ip {
					t.Errorf("%s: %s carries ip %q, want %q", v, e.Kind, e.Detail["ip"], ip)
				}
			}
		}
		var b strings.Builder
		for i, o := range order[1:] {
			fmt.Fprintf(&b, " %s +%.2fs", names[i+1], o.e.Time.Sub(start.e.Time).Seconds())
		}
		t.Logf("timing: %s:%s", v, b.String())
	}
	checkOnce(t, es)
}

// checkOnce asserts every transition is recorded once: each pod is created,
// deleting and gone at most once, each container exits at most once (no test
// pod restarts), and readiness and endpoint membership alternate.
func checkOnce(t *testing.T, es []ledger.Event) {
	t.Helper()
	count := map[string]int{}
	last := map[string]ledger.Kind{}
	for _, e := range es {
		if e.Probe != "watch" {
			continue
		}
		switch e.Kind {
		case ledger.PodCreated, ledger.PodDeleting, ledger.PodGone:
			count[string(e.Kind)+" "+e.Pod]++
		case ledger.ContainerExited:
			count[string(e.Kind)+" "+e.Pod+" "+e.Detail["container"]]++
		case ledger.PodReady, ledger.PodNotReady:
			k := "readiness " + e.Pod
			if last[k] == e.Kind || (last[k] == "" && e.Kind == ledger.PodNotReady) {
				t.Errorf("%s recorded twice in a row for %s (#%d)", e.Kind, e.Pod, e.Seq)
			}
			last[k] = e.Kind
		case ledger.EndpointAdded, ledger.EndpointRemoved:
			k := "endpoint " + e.Pod + " " + e.Detail["service"]
			if last[k] == e.Kind || (last[k] == "" && e.Kind == ledger.EndpointRemoved) {
				t.Errorf("%s recorded twice in a row for %s in service %s (#%d)", e.Kind, e.Pod, e.Detail["service"], e.Seq)
			}
			last[k] = e.Kind
		}
	}
	for k, n := range count {
		if n > 1 {
			t.Errorf("%s recorded %d times", k, n)
		}
	}
}
