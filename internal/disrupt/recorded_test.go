package disrupt

import (
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/drainproof/drainproof/internal/ledger"
)

func watchEvent(k ledger.Kind, pod, svc string) ledger.Event {
	e := ledger.Event{Kind: k, Probe: "watch", Pod: pod}
	if svc != "" {
		e.Detail = map[string]string{"service": svc}
	}
	return e
}

func TestUnrecordedWaitsForGoneAndEndpointRemoval(t *testing.T) {
	events := []ledger.Event{
		watchEvent(ledger.PodCreated, "ns/web-1", ""),
		watchEvent(ledger.EndpointAdded, "ns/web-1", "web"),
		watchEvent(ledger.EndpointAdded, "ns/web-1", "web-headless"),
		watchEvent(ledger.PodDeleting, "ns/web-1", ""),
		watchEvent(ledger.EndpointRemoved, "ns/web-1", "web"),
	}
	got := unrecorded(events, "ns", []string{"web-1"})
	want := []string{"endpoint-removed of ns/web-1 from service web-headless", "pod-gone of ns/web-1"}
	if !slices.Equal(got, want) {
		t.Fatalf("unrecorded = %q, want %q", got, want)
	}
	events = append(events, watchEvent(ledger.PodGone, "ns/web-1", ""), watchEvent(ledger.EndpointRemoved, "ns/web-1", "web-headless"))
	if got := unrecorded(events, "ns", []string{"web-1"}); len(got) != 0 {
		t.Fatalf("everything recorded, still waiting for %q", got)
	}
}

func TestUnrecordedIgnoresNamespacesNoWatcherRecords(t *testing.T) {
	events := []ledger.Event{
		watchEvent(ledger.PodCreated, "other/web-1", ""),
		{Kind: ledger.PodCreated, Probe: "disrupt", Pod: "ns/web-1"}, // not the watcher's
	}
	if got := unrecorded(events, "ns", []string{"web-1"}); len(got) != 0 {
		t.Fatalf("no watcher records ns, yet waiting for %q", got)
	}
}

func TestRefusalMessageCarriesTheBudget(t *testing.T) {
	err := apierrors.NewTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 0)
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{
		Type: "DisruptionBudget", Message: "The disruption budget web needs 2 healthy pods and has 2 currently"})
	msg := refusalMessage(err)
	for _, want := range []string{"violate the pod's disruption budget", "budget web needs 2 healthy pods"} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal %q lacks %q", msg, want)
		}
	}
}
