package disrupt

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// recordedEvery is how often the ledger is re-read while waiting for the
// watcher to catch up with what the API already says.
const recordedEvery = 50 * time.Millisecond

// awaitRecorded holds until the ledger holds the end of each victim as the
// watcher (internal/watch, events with Probe "watch") saw it: its PodGone, and
// an EndpointRemoved for every Service it was last recorded as added to.
//
// Why: the done condition is read from the API by polling, and the watcher's
// informer may deliver the same change a moment later; without this wait,
// DisruptionDone could land in the ledger before the victim's PodGone, and a
// verdict reading the ledger would see a drain that outlived its disruption.
// Victims in a namespace no watcher records (no "watch" event names any pod
// of ns) are not waited for.
func awaitRecorded(ctx context.Context, l *ledger.Ledger, ns string, victims []string) error {
	var missing []string
	for {
		missing = unrecorded(l.Events(), ns, victims)
		if len(missing) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the API says the pods are gone but the watch has not recorded %s: %w",
				strings.Join(missing, "; "), ctx.Err())
		case <-time.After(recordedEvery):
		}
	}
}

// unrecorded lists what the ledger still lacks for victims of ns.
func unrecorded(events []ledger.Event, ns string, victims []string) []string {
	type state struct {
		gone     bool
		services map[string]bool // service -> last recorded as in its endpoints
	}
	watched := false
	st := map[string]*state{}
	for _, v := range victims {
		st[ns+"/"+v] = &state{services: map[string]bool{}}
	}
	for _, e := range events {
		if e.Probe != "watch" || !strings.HasPrefix(e.Pod, ns+"/") {
			continue
		}
		watched = true
		s := st[e.Pod]
		if s == nil {
			continue
		}
		switch e.Kind {
		case ledger.PodGone:
			s.gone = true
		case ledger.EndpointAdded:
			s.services[e.Detail["service"]] = true
		case ledger.EndpointRemoved:
			s.services[e.Detail["service"]] = false
		}
	}
	if !watched {
		return nil
	}
	var out []string
	for pod, s := range st {
		if !s.gone {
			out = append(out, "pod-gone of "+pod)
		}
		for svc, in := range s.services {
			if in {
				out = append(out, fmt.Sprintf("endpoint-removed of %s from service %s", pod, svc))
			}
		}
	}
	sort.Strings(out)
	return out
}
