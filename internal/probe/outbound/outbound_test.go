package outbound

import (
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/internal/ledger"
)

// New refuses a config it cannot follow, naming the scenario field.
func TestNewNamesTheBadField(t *testing.T) {
	parse := func([]byte) (ledger.Event, bool, error) { return ledger.Event{}, false, nil }
	ok := func(ledger.Event) bool { return true }
	var cs kubernetes.Interface = &kubernetes.Clientset{}
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Selector: "app=caller", Container: "caller", Parse: parse, OK: ok}, "no Kubernetes client"},
		{Config{Client: cs, Container: "caller", Parse: parse, OK: ok}, "probes.outbound.selector"},
		{Config{Client: cs, Selector: "app=caller", Parse: parse, OK: ok}, "probes.outbound.container"},
		{Config{Client: cs, Selector: "app=caller", Container: "caller"}, "no log parser"},
	} {
		if _, err := New(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %q", c.cfg, err, c.want)
		}
	}
}

// Steady state is Steady successful calls in a row from one pod; a failure
// starts that pod's count again, and another pod's calls do not add up.
func TestSteadyNeedsConsecutiveSuccessesFromOnePod(t *testing.T) {
	p, err := New(Config{Client: &kubernetes.Clientset{}, Selector: "app=caller", Container: "caller", Steady: 3,
		Parse: func([]byte) (ledger.Event, bool, error) { return ledger.Event{}, false, nil }, OK: func(ledger.Event) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	steady := func() bool {
		select {
		case <-p.Steady():
			return true
		default:
			return false
		}
	}
	p.observe("ns/a", true)
	p.observe("ns/a", true)
	p.observe("ns/a", false)
	p.observe("ns/b", true)
	p.observe("ns/a", true)
	p.observe("ns/b", true)
	if steady() {
		t.Fatal("steady without 3 successes in a row from one pod")
	}
	p.observe("ns/b", true)
	if !steady() {
		t.Fatal("not steady after 3 successes in a row from ns/b")
	}
	p.observe("ns/b", true) // closing twice would panic
}
