package traffic

import (
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/probe/load"
	"github.com/drainproof/drainproof/internal/testsupport"
)

// A spec's bad field comes back as the probe's own setup error naming its
// flag, whichever entry point filled the spec.
func TestNewNamesTheProbesFlag(t *testing.T) {
	_, err := New(Spec{Load: &Load{URL: "ftp://x", Rate: 10, Duration: time.Second}})
	testsupport.WantSetupError(t, err, load.FlagURL)
	_, err = New(Spec{SSH: &SSH{Addr: "127.0.0.1:22", User: "u", Sessions: 0, Heartbeat: time.Second, Lifetime: time.Second}})
	if err == nil {
		t.Fatal("0 sessions accepted")
	}
}

func TestEstablishedWaitsForEveryProbe(t *testing.T) {
	s, err := New(Spec{Load: &Load{URL: "http://127.0.0.1:1/", Rate: 10, Duration: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 1 || s.Established() {
		t.Fatalf("a load probe with no result yet counts as established (%d probes)", len(s))
	}
	s[0].Stats().Requests.Add(1)
	if !s.Established() {
		t.Fatal("a load probe with a result is not established")
	}
}
