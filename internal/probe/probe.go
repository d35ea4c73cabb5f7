// Package probe holds what every drainproof probe shares. A probe opens real
// connections to a target, records everything that happens to them in a
// ledger, and never judges: verdicts are computed from the ledger afterwards.
package probe

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/drainproof/drainproof/internal/ledger"
)

// Probe is one kind of traffic against one target.
//
// Preflight proves the target is usable before the run starts (reachable,
// credentials and host key accepted); its failure is a *SetupError, never a
// drop. Run blocks until the probe's work is done (every connection ended) or
// ctx is cancelled, recording into l; on cancel it closes what is open as the
// client (ClosedByClient) and returns nil. Stats may be read while Run runs.
type Probe interface {
	Name() string
	Preflight(ctx context.Context) error
	Run(ctx context.Context, l *ledger.Ledger) error
	Stats() *Stats
}

// Stats are live counters for a progress line. Safe for concurrent use.
type Stats struct {
	Open         atomic.Int64 // connections currently established
	Connections  atomic.Int64 // connections ever established
	Drops        atomic.Int64
	DialFailures atomic.Int64
	Requests     atomic.Int64 // requests/hits completed (http, load)
	Errors       atomic.Int64 // failed requests/hits
}

// SetupError is bad input or an unusable target: the run cannot say anything
// about draining (exit code 2, never a verdict). It is drainproof's one setup
// error, for probes and the run engine alike. Field names the flag, file or
// setting at fault; "" when Err already says where.
type SetupError struct {
	Field string
	Err   error
}

func (e *SetupError) Error() string {
	if e.Field == "" {
		return e.Err.Error()
	}
	return fmt.Sprintf("%s: %v", e.Field, e.Err)
}
func (e *SetupError) Unwrap() error { return e.Err }

// Setupf builds a *SetupError.
func Setupf(field, format string, args ...any) error {
	return &SetupError{Field: field, Err: fmt.Errorf(format, args...)}
}

// IsSetup reports whether err is (or wraps) a *SetupError.
func IsSetup(err error) bool {
	var s *SetupError
	return errors.As(err, &s)
}
