// Package remote carries a prober's ledger events from where its traffic runs
// (fixtures/prober, in a pod) to the harness's one ledger.
//
// The prober writes its events as wire lines (see Line) on its stdout, which
// the harness reads back through the pod's log stream. Lines are numbered
// from 1 without gaps, so a reader that reconnects reads the stream again
// from its start and skips what it already merged: nothing is lost or
// repeated across reconnects, and a gap (a rotated-away log) is detected,
// never papered over.
//
// The harness merges a prober's events into its ledger (see Merger): each
// event's time is corrected by the prober's clock offset to the harness
// (measured before traffic is merged, recorded in the ledger), connection
// IDs are prefixed with the prober's name (unique across probers), and
// events are added in the prober's own order, so every connection's events
// keep their order. A prober whose stream ends before its done line (the pod
// died, its log cannot be read) makes the run INCOMPLETE, never a PASS.
package remote
