package verdict

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Check names. They are stable identifiers: findings, JUnit test cases and
// NegativeControl.FailChecks use them.
const (
	CheckComplete        = "complete" // the run can be judged at all; see complete.go
	CheckDrops           = "drops"
	CheckStalls          = "stalls"
	CheckDialFailures    = "dial-failures"
	CheckSuccessRatio    = "success-ratio"
	CheckOutboundSuccess = "outbound-success"
	CheckLinger          = "linger"
	CheckDrainTime       = "drain-time"
	CheckControl         = "negative-control"
)

// checkOrder is the order findings are reported in.
var checkOrder = []string{
	CheckComplete, CheckDrops, CheckStalls, CheckDialFailures, CheckSuccessRatio,
	CheckOutboundSuccess, CheckLinger, CheckDrainTime, CheckControl,
}

// Expect is what a scenario claims about a run. It is data (scenarios embed it
// in YAML), so every field is camelCase and optional. The rule for a nil
// field: whatever the probes' traffic shows is judged strictly, anything else
// only when asked.
//
//   - MaxDrops nil means 0: a dropped connection fails a run.
//   - MaxDialFailures nil means 0 when any probe dialled (the ledger holds a
//     Dial, Established or DialFailure event): a refused or timed-out dial
//     fails a run exactly as a drop does. Without dials it is not judged.
//   - MinSuccessRatio nil means 1.0 when the ledger holds Request or Hit
//     events (every request must succeed); without requests it is not
//     judged. Set, it is always judged (no requests then fails).
//   - every other nil pointer means "not judged".
//
// Tolerances are therefore always explicit: a scenario field, or a flag of
// `drainproof probe` (--max-drops, --max-dial-failures, --min-success-ratio).
type Expect struct {
	MaxDrops        *int `json:"maxDrops,omitempty" yaml:"maxDrops,omitempty"`
	MaxStalls       *int `json:"maxStalls,omitempty" yaml:"maxStalls,omitempty"`
	MaxDialFailures *int `json:"maxDialFailures,omitempty" yaml:"maxDialFailures,omitempty"`

	// MinSuccessRatio is judged over Request and Hit events in every Window
	// (aligned to the timeline origin, windows without traffic skipped); the
	// worst window is reported. Window nil or 0: one window over the whole run.
	MinSuccessRatio *float64  `json:"minSuccessRatio,omitempty" yaml:"minSuccessRatio,omitempty"`
	Window          *Duration `json:"window,omitempty" yaml:"window,omitempty"`

	// MinOutboundSuccess is the fraction of Outbound calls that succeeded among
	// those made inside their own pod's drain window: from the pod's
	// PodDeleting to the ContainerExited of OutboundContainer (empty: the
	// pod's last container exit; none seen: PodGone; neither: end of ledger).
	MinOutboundSuccess *float64 `json:"minOutboundSuccess,omitempty" yaml:"minOutboundSuccess,omitempty"`
	OutboundContainer  string   `json:"outboundContainer,omitempty" yaml:"outboundContainer,omitempty"`

	// MaxLinger bounds, for each deleted pod that carried probe connections,
	// the time from max(its PodDeleting, its last connection's end) to its
	// last ContainerExited (or PodGone).
	MaxLinger *Duration `json:"maxLinger,omitempty" yaml:"maxLinger,omitempty"`
	// MaxDrainTime bounds, for each deleted pod, PodDeleting → all containers exited.
	MaxDrainTime *Duration `json:"maxDrainTime,omitempty" yaml:"maxDrainTime,omitempty"`

	// ExpectFailure marks a known-bad twin (negative control): see NegativeControl.
	ExpectFailure *NegativeControl `json:"expectFailure,omitempty" yaml:"expectFailure,omitempty"`
}

// Attribution values of NegativeControl.Attribution.
const (
	AttributionNone     = ""
	AttributionRequired = "required"
)

// NegativeControl says how a known-bad twin must fail. The control holds when
//   - the verdict fails, and every check in FailChecks (if any) failed;
//   - with Attribution "required": the run has at least one drop, and every
//     drop is attributed to a pod that had a PodDeleting event at or before
//     the drop (less Tolerance), whose name (or namespace/name) starts with
//     PodPrefix when PodPrefix is set. The one exception is a drop on a
//     connection that never saw a response, so no pod ever named itself on
//     it (a fresh connection the node still sent to a terminating pod, reset
//     before an answer): it is counted apart, and tolerated only while such a
//     pod was deleting and not yet ended, and only beside at least one
//     attributed drop. A drop with a peer that maps to no pod never is.
//
// Tolerance (default DefaultTolerance) absorbs the watch's delivery delay: a
// hard-stopped pod can drop a connection before the harness's watch delivers
// that pod's PodDeleting, so a drop up to Tolerance before it still counts.
type NegativeControl struct {
	FailChecks  []string  `json:"failChecks,omitempty" yaml:"failChecks,omitempty"`
	Attribution string    `json:"attribution,omitempty" yaml:"attribution,omitempty"`
	PodPrefix   string    `json:"podPrefix,omitempty" yaml:"podPrefix,omitempty"`
	Tolerance   *Duration `json:"tolerance,omitempty" yaml:"tolerance,omitempty"`
}

// DefaultTolerance is NegativeControl.Tolerance when unset.
const DefaultTolerance = time.Second

func (c NegativeControl) tolerance() time.Duration {
	if c.Tolerance == nil {
		return DefaultTolerance
	}
	return c.Tolerance.Duration
}

// Validate reports the first field that makes no sense, naming it.
func (e Expect) Validate() error {
	for _, f := range []struct {
		name string
		v    *int
	}{{"maxDrops", e.MaxDrops}, {"maxStalls", e.MaxStalls}, {"maxDialFailures", e.MaxDialFailures}} {
		if f.v != nil && *f.v < 0 {
			return fmt.Errorf("%s: must be >= 0, got %d", f.name, *f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"minSuccessRatio", e.MinSuccessRatio}, {"minOutboundSuccess", e.MinOutboundSuccess}} {
		if f.v != nil && !(*f.v >= 0 && *f.v <= 1) {
			return fmt.Errorf("%s: must be within [0, 1], got %v", f.name, *f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    *Duration
	}{{"window", e.Window}, {"maxLinger", e.MaxLinger}, {"maxDrainTime", e.MaxDrainTime}} {
		if f.v != nil && f.v.Duration < 0 {
			return fmt.Errorf("%s: must not be negative, got %s", f.name, f.v.Duration)
		}
	}
	if e.Window != nil && e.MinSuccessRatio == nil {
		return fmt.Errorf("window: set without minSuccessRatio")
	}
	if e.OutboundContainer != "" && e.MinOutboundSuccess == nil {
		return fmt.Errorf("outboundContainer: set without minOutboundSuccess")
	}
	if c := e.ExpectFailure; c != nil {
		known := strings.Join(checkOrder[1:len(checkOrder)-1], ", ")
		for i, name := range c.FailChecks {
			if !isCheck(name) || name == CheckControl || name == CheckComplete {
				return fmt.Errorf("expectFailure.failChecks[%d]: unknown check %q (known: %s)", i, name, known)
			}
		}
		if c.Attribution != AttributionNone && c.Attribution != AttributionRequired {
			return fmt.Errorf("expectFailure.attribution: must be %q or empty, got %q", AttributionRequired, c.Attribution)
		}
		if c.Tolerance != nil && c.Tolerance.Duration < 0 {
			return fmt.Errorf("expectFailure.tolerance: must not be negative, got %s", c.Tolerance.Duration)
		}
		if c.PodPrefix != "" && c.Attribution != AttributionRequired {
			return fmt.Errorf("expectFailure.podPrefix: needs attribution: %s", AttributionRequired)
		}
	}
	return nil
}

func isCheck(name string) bool {
	for _, c := range checkOrder {
		if c == name {
			return true
		}
	}
	return false
}

func (e Expect) maxDrops() int {
	if e.MaxDrops == nil {
		return 0
	}
	return *e.MaxDrops
}

// maxDialFailures applies the nil rule (see Expect): 0 once a probe dialled.
func (e Expect) maxDialFailures(dialled bool) *int {
	if e.MaxDialFailures == nil && dialled {
		zero := 0
		return &zero
	}
	return e.MaxDialFailures
}

// minSuccessRatio applies the nil rule (see Expect): 1.0 once there were requests.
func (e Expect) minSuccessRatio(requests bool) *float64 {
	if e.MinSuccessRatio == nil && requests {
		one := 1.0
		return &one
	}
	return e.MinSuccessRatio
}

// Duration is a time.Duration written as a Go duration string ("1.5s") in
// JSON and YAML (encoding.TextMarshaler, so both encoders agree).
type Duration struct{ time.Duration }

// D wraps d.
func D(d time.Duration) Duration { return Duration{d} }

// DP returns a pointer to D(d), for optional Expect fields.
func DP(d time.Duration) *Duration { v := D(d); return &v }

func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: want a Go duration like \"1.5s\": %v", b, err)
	}
	d.Duration = v
	return nil
}

// UnmarshalJSON accepts only strings, with an error that says so.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string like \"30s\", got %s", b)
	}
	return d.UnmarshalText([]byte(s))
}
