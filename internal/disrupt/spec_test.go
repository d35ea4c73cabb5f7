package disrupt

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/drainproof/drainproof/internal/ledger"
)

// A spec whose action does not fit its target fails before touching the API
// (no clientset here) and records nothing.
func TestActionTargetMismatchFailsBeforeAnything(t *testing.T) {
	l := ledger.New()
	for _, s := range []Spec{
		{Action: "scale-zero", Target: "pods/app=web"},
		{Action: "rollout-restart", Target: "pods/app=web"},
		{Action: "evict", Target: "deployment/web"},
		{Action: "reboot", Target: "deployment/web"},
		{Action: "delete", Target: "web"},
	} {
		err := Do(context.Background(), nil, "ns", s, l)
		want := fmt.Sprintf("action %q does not apply to target %q", s.Action, s.Target)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: error %v, want one saying %s", s, err, want)
		}
	}
	if n := l.Len(); n != 0 {
		t.Errorf("%d events recorded for specs that did nothing", n)
	}
}
