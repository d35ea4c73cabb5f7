package run

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Whatever cuts a run short becomes the ledger's Incomplete reason; a run
// that finished has none.
func TestIncompleteReason(t *testing.T) {
	if why := incompleteReason(context.Background(), nil); why != "" {
		t.Fatalf("finished run: %q", why)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("interrupt signal received"))
	if why := incompleteReason(ctx, context.Canceled); !strings.Contains(why, "interrupted (interrupt signal received)") {
		t.Fatalf("interrupted: %q", why)
	}
	err := errors.New("scenario timeout 3m0s reached before probes finished")
	if why := incompleteReason(context.Background(), err); why != "run cut short: "+err.Error() {
		t.Fatalf("timeout: %q", why)
	}
}
