// Package http is drainproof's HTTP/1.1 keep-alive probe: N dedicated TCP
// connections to one URL, each carrying one request per interval (or, in
// stream mode, one long chunked response after another), every outcome
// recorded in the ledger. Use New(Config) to build one; DefaultConfig gives
// the documented defaults.
//
// # Connection identity
//
// The probe speaks HTTP/1.1 itself on raw TCP connections (no http.Transport,
// so no pooling, no hidden retries, no connection reuse it does not choose).
// Connection slot i (0-based) dials "http-%03d"; when the server ends that
// connection and the slot dials again, the new connection is "http-%03d.2",
// ".3", ... Each id names exactly one TCP connection; its Established event
// carries Detail["local"], the client's address, which the server reports
// back in X-Drainproof-Peer when nothing sits in between. A request is
// written once, on the connection its Request event names; the one retry the
// probe ever makes (below) is a new request on a new connection, and says so.
//
// Which pod carried a connection: behind a NodePort, a Service or a TCP proxy
// the server sees the node's or proxy's address, so Peer cannot say. The
// X-Drainproof-Pod header can (fixtures/httpd sends namespace/name when the
// manifest gives it POD_NAMESPACE and POD_NAME): every Request and end event
// of a connection carries, in Detail["pod"], the last value the connection
// received. It is the server's self-report: the verdict attributes a
// connection to its Peer's pod first (behind an HTTP gateway the gateway pod
// carries it) and to Detail["pod"] when the peer is no pod (a NodePort's SNAT
// address), which is how a drop is laid against the pod that was stopping. An
// Established event cannot know it yet (no response has arrived), nor can a
// connection that fails before its first response header.
//
// # Events and what counts as a drop
//
// Dial: a connection attempt starts. Then Established, or DialFailure (a
// ledger.Cause: refused, timeout, reset, unreachable, dns, other). A dial failure is never
// a drop; the slot dials again at its next interval.
//
// Request: one request and its whole response. Code is the status (0 when
// none arrived), Latency runs from writing the request to the end of the body
// (the whole stream in stream mode), Peer and Detail["pod"] come from the response's
// X-Drainproof-Peer and X-Drainproof-Pod headers (the last ones seen on the
// connection when the request failed before its header). Error is set when
// the request failed, or when the status is outside 200-399.
//
// Every Established connection ends in exactly one of these:
//
//   - ClosedByServer: the server ended the connection cleanly. Detail["how"]:
//     "connection-close", a complete response carrying "Connection: close";
//     "idle-close", an orderly close (FIN) while idle, no request in flight
//     (HTTP lets a server close an idle keep-alive connection at any time);
//     "closed-before-response", see the keep-alive race below. The slot dials
//     again at its next interval.
//   - ClosedByClient: the probe ended it: at Lifetime (at the first request
//     boundary after it), or when the run ends (Duration or ctx), aborting
//     any request in flight (Detail["in_flight"]="true"); that aborted request
//     has no Request event, since the server did nothing wrong.
//   - Drop: anything else. A request that fails on an established connection:
//     Cause "eof" (closed before a complete response header), "truncated"
//     (closed after the header, before the body's end: a cut stream), "reset"
//     (RST, also while idle), "broken-pipe" (the request written on a
//     connection the server had closed), "timeout" (no byte for Timeout
//     while a request was in flight), "protocol" (a malformed response, or
//     bytes arriving while idle), "other" (anything else; Error has the text).
//     Detail["response_bytes"] says how much of the response had arrived. The
//     failed request also has its Request event with Error and Cause set.
//
// After any end but ClosedByClient the slot dials again at its next interval
// (at once for the retry below), until the run ends.
//
// # The keep-alive race, retried visibly
//
// A server may close a keep-alive connection it considers idle at the very
// moment the client's next request is on its way (Go's own http.Server does
// so on Shutdown). The request then meets EOF or a reset before one byte of
// response, and no client can tell that from a server that read the request
// and died. net/http's Transport and browsers retry such idempotent requests
// silently on a new connection; this probe does the same, once, but in the
// open: when a request on a reused connection (one that already carried a
// complete response) fails by EOF or reset with zero response bytes, the
// connection ends ClosedByServer with Detail["how"]="closed-before-response"
// (Detail["cause"] and Error keep the failure), the slot dials at once, and
// the retried request's Request event carries Detail["retry_of"] naming the
// connection that lost it. If that dial fails it is a DialFailure; if the
// retry fails again on its fresh connection, that is a Drop. Timeouts and
// failures after any response byte are never retried.
//
// # Timing
//
// Slots start spread over the first interval (slot i at i*Interval/N), so
// requests are evenly spaced. A slot keeps its grid: if a response takes
// longer than Interval, the missed ticks are skipped, never bunched. In stream
// mode the URL, when its path is empty or "/", becomes
// /stream?chunks=StreamChunks&interval=Interval (the fixtures/httpd endpoint);
// any other path is requested as given.
//
// Event times are taken when the event happens (a Request event's Time is
// when its request was written; a Drop's is when the failure was seen).
package http
