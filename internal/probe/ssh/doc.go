// Package ssh is drainproof's SSH probe: N long-lived SSH sessions to one
// address (a proxy, gateway or Service in front of an SSH server), each a
// TCP connection of its own running an echo command (default `cat`), with a
// heartbeat line every interval, every outcome recorded in the ledger. Build
// one with New(cfg), starting from DefaultConfig(); run Preflight, then Run.
//
// # Trust and setup errors
//
// The host key is always pinned from a known_hosts file (--ssh-known-hosts,
// read with x/crypto/ssh/knownhosts; hashed and [host]:port entries work);
// only the key types pinned for the address are offered to the server. New
// fails, with a *probe.SetupError naming the flag or file, on a bad config,
// an unreadable or passphrase-protected key (--ssh-key), or a known_hosts
// file that pins nothing for the address (--ssh-known-hosts). Preflight does
// one full session (connect, handshake, auth, exec, one heartbeat echoed)
// and fails the same way on: unreachable or not-SSH address (--ssh), host
// key mismatch or revoked key (--ssh-known-hosts), key refused (--ssh-key),
// a command that does not echo (--ssh-command). Setup errors are never drops.
//
// # Connection identity
//
// Slot i (1-based) dials "ssh-%04d"; with Redial, its replacements are
// "ssh-%04d.2", ".3", ... Established carries Detail["local"] (our address)
// and, when the server is fixtures/sshd, Peer (the address it saw: the proxy
// or pod carrying the connection, from its banner) and Detail["pod"]. Every
// later event of the connection carries the same Peer. Against a server
// without the drainproof banner (OpenSSH) Peer is empty.
//
// # Heartbeats, stalls and drops
//
// Every Heartbeat the session writes "hb <seq>\n" and the command echoes it.
// At most one heartbeat is outstanding; a tick that finds one unanswered
// sends nothing. An echo later than HeartbeatTimeout is a Stall event
// (Latency = its round trip): the connection lived. A heartbeat unanswered
// for DropAfter ends the session as a Drop with cause "heartbeat-timeout"
// (the probe then closes the socket without waiting).
//
// Events: Dial; then Established, or DialFailure (Cause: refused, timeout,
// reset, eof, unreachable, dns, host-key, auth, handshake, session) which is
// never a drop. A dial interrupted by the end of the run is a Note with
// Cause "cancelled", not a failure. Every Established connection ends in
// exactly one of:
//
//   - ClosedByClient: the probe closed it at its Lifetime
//     (Detail["reason"]="lifetime") or when Run's ctx ended ("cancelled").
//     With Lifetime 0 sessions live until ctx ends.
//   - ClosedByServer: the command exited with status 0 on its own (for
//     fixtures/sshd --max-session, its scheduled end; for cat, after EOF).
//   - Drop, with a ledger.Cause: "eof" (the TCP connection ended
//     mid-session), "reset", "broken-pipe", "timeout" (a socket timeout),
//     "heartbeat-timeout", "exit-status-N" (the command exited non-zero, or
//     by signal: N = 128+signal, Detail["signal"]), "closed" (the session
//     channel closed without exit status while the connection lived), or
//     "other" (an error nothing else names). Error has the text.
//
// End events carry Detail["heartbeats"] (echoes received) and
// Detail["max_latency"]. Times: a server-side end is stamped when the probe
// saw stdout end, a heartbeat-timeout when it was declared, a client close
// when it was decided. Stats (Open, Connections, Drops, DialFailures) are
// updated live; Heartbeats() and Stalls() count echoes and stalls.
//
// # Cost
//
// Per session: two goroutines of this package (one waiting for the
// session's end, one reading echoes) plus x/crypto/ssh's seven; heartbeats
// are written by one scheduler goroutine per CPU for all sessions (no timer
// per session), in bursts of the sessions sharing a phase; no allocation per
// heartbeat in this package. A heartbeat costs three system calls (the write,
// the echo's read and the read that finds the socket empty) and x/crypto/ssh's
// three goroutine hand-offs. BenchmarkSessionsHeld measures memory per
// session, BenchmarkHeartbeatCPU the CPU per heartbeat against the
// per-session ticker of before, BenchmarkCapacity the share of heartbeats
// held at 10,000 and 5,000 sessions, BenchmarkDropDetection the time from a
// server's death to the Drop event.
package ssh
