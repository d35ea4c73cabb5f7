// Package verdict judges a run: Evaluate is a pure function from what a
// scenario expects (Expect) and what the ledger recorded to a Verdict. No
// clock, no I/O: the same events in any order give the same Verdict (events
// are put in a total order first), so a run can be judged again later from
// ledger.jsonl alone. Every Finding carries the events that prove it.
//
// The checks, in the order findings are reported:
//
//   - complete: whether the run can be judged at all (complete.go): no
//     ledger.Incomplete event, every probe established something, every
//     disruption finished, deleted the pods it named, and those pods carried
//     traffic. When it fails the Outcome is INCOMPLETE, never a pass.
//   - drops: connections whose first end is a Drop (one per connection),
//     at most MaxDrops (default 0). One summary finding, then one finding per
//     drop (the first EvidenceCap) with the connection's established event,
//     the carrying pod's latest lifecycle event at or before the drop, the
//     pod's PodDeleting and the drop itself.
//   - stalls: a count, judged only when MaxStalls is set.
//   - dial-failures: a count, at most MaxDialFailures (default 0 once any
//     probe dialled).
//   - success-ratio: Request and Hit events succeed when they have no Error,
//     no Cause and a Code below 400; the ratio (MinSuccessRatio, default 1.0
//     once there are requests) must hold in every Window (aligned to the
//     timeline origin); the worst window is reported.
//   - outbound-success: Outbound events inside their own pod's drain window
//     (PodDeleting → ContainerExited of OutboundContainer); calls outside
//     any window are counted but not judged.
//   - linger: per deleted pod that carried connections, from
//     max(PodDeleting, its last connection's end) to its last container exit
//     (or PodGone).
//   - drain-time: per deleted pod, PodDeleting → last container exit (or PodGone).
//   - negative-control: for known-bad twins (Expect.ExpectFailure).
//
// A claim that cannot be judged fails: a success ratio without requests,
// outbound success without a call in a drain window, linger without a
// deleted pod that carried connections, a pod that never exits.
//
// Attribution (which pod carried a connection) is described in index.go:
// the pod named by the connection's events, else the pod whose IP equals
// the connection's Peer IP.
package verdict
