// The assertions and run helpers every probe's tests share: running a probe
// in the background, waiting for its Run to return cleanly, and checking that
// bad input is a setup error naming its field.

package testsupport

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/probe"
)

// ProbeRunner is the part of probe.Probe these helpers need.
type ProbeRunner interface {
	Run(ctx context.Context, l *ledger.Ledger) error
}

// RunProbe starts p.RunProbe(ctx, l) in the background; the channel receives its error.
func RunProbe(ctx context.Context, p ProbeRunner, l *ledger.Ledger) <-chan error {
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, l) }()
	return done
}

// WaitProbe fails t unless the Run behind done returns nil within timeout.
func WaitProbe(t testing.TB, done <-chan error, timeout time.Duration) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(timeout):
		t.Fatalf("run did not return within %s", timeout)
	}
}

// WantSetupError fails t unless err is a *probe.SetupError (itself, not
// wrapped) whose Field is field and whose message names field and mentions
// each of want.
func WantSetupError(t testing.TB, err error, field string, want ...string) {
	t.Helper()
	se, ok := err.(*probe.SetupError)
	if !ok {
		t.Fatalf("got %T %v, want a *probe.SetupError naming %s", err, err, field)
	}
	if se.Field != field || !strings.Contains(err.Error(), field) {
		t.Fatalf("SetupError names %q, want %q: %v", se.Field, field, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}
