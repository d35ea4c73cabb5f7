package lint

import "fmt"

// ruleGraceDrain: the grace period must cover every drain the pod promises
// itself. The kubelet SIGKILLs every container when the grace ends, so a
// longer drain, preStop sleep or preStop deadline is cut short.
var ruleGraceDrain = Rule{
	Name: "grace-shorter-than-drain",
	Doc: "terminationGracePeriodSeconds (30 s when unset) is shorter than Istio's terminationDrainDuration " +
		"(proxy.istio.io/config, TERMINATION_DRAIN_DURATION_SECONDS; 5 s by default), a preStop's fixed sleep or a preStop's own deadline, " +
		"or traefik's requestAcceptGraceTimeout + graceTimeOut (10 s by default)",
	check: checkGraceDrain,
}

func checkGraceDrain(c *checkContext, w *workload) []Finding {
	grace := w.grace()
	var out []Finding
	if sc := c.sidecars[w]; sc != nil {
		if sc.exitZero == nil && sc.drain.d > grace.d {
			d := sc.drain
			out = append(out, Finding{
				Container: sc.container, Field: grace, Versus: &d,
				Message: fmt.Sprintf("pilot-agent drains the proxy for %s after SIGTERM, but the kubelet SIGKILLs the pod at %s: connections still draining are cut %s early and the drain setting has no effect past the grace",
					dur(sc.drain.d), dur(grace.d), dur(sc.drain.d-grace.d)),
				Fix: fmt.Sprintf("set %s to at least %d (the drain plus the application's own shutdown), or shorten terminationDrainDuration", grace.Path, int(sc.drain.d.Seconds())),
			})
		}
		if f, ok := preStopPastGrace(sc.preStop, grace); ok && !sc.injected {
			f.Container = sc.container
			out = append(out, f)
		}
	}
	for _, ct := range w.running() {
		if f, ok := preStopPastGrace(readPreStop(ct), grace); ok {
			f.Container = ct.c.Name
			out = append(out, f)
		}
		if td, ok := readTraefik(ct); ok && td.entrypoint != "" && td.total() > grace.d {
			v := td.grace
			out = append(out, Finding{
				Container: ct.c.Name, Field: grace, Versus: &v,
				Message: fmt.Sprintf("traefik's entrypoint %s keeps accepting for %s (requestAcceptGraceTimeout) and then waits up to %s (graceTimeOut) for its connections after SIGTERM, but the kubelet SIGKILLs the pod at %s: connections traefik would still have let finish are cut",
					td.entrypoint, dur(td.accept.d), dur(td.grace.d), dur(grace.d)),
				Fix: fmt.Sprintf("set %s to at least %d (requestAcceptGraceTimeout + graceTimeOut), or shorten graceTimeOut", grace.Path, int(td.total().Seconds())),
			})
		}
		if ct.c.Name == "istio-proxy" {
			continue // its TERMINATION_DRAIN_DURATION_SECONDS is read with the sidecar above
		}
		if v, ok := ct.env(envTermDrain); ok {
			d := parseSeconds(v.Value)
			if d > grace.d {
				v.d = d
				out = append(out, Finding{
					Container: ct.c.Name, Field: grace, Versus: &v,
					Message: fmt.Sprintf("pilot-agent drains for %s after SIGTERM, but the kubelet SIGKILLs the pod at %s", dur(d), dur(grace.d)),
					Fix:     fmt.Sprintf("set %s to at least %d, or lower %s (a gateway's connectionDrainDuration)", grace.Path, int(d.Seconds()), envTermDrain),
				})
			}
		}
	}
	return out
}

// preStopPastGrace: a fixed sleep as long as the grace leaves the process
// no time to shut down after SIGTERM; a wait whose own deadline is past the
// grace is cut by SIGKILL before its deadline.
func preStopPastGrace(ps preStop, grace Value) (Finding, bool) {
	v := Value{Path: ps.path, Value: ps.text}
	switch {
	case ps.kind == stopSleep && ps.sleep >= grace.d:
		v.d = ps.sleep
		return Finding{
			Field: grace, Versus: &v,
			Message: fmt.Sprintf("the preStop sleeps %s but the grace is %s: the kubelet sends SIGTERM only after the preStop, so the process never gets to shut down gracefully before the SIGKILL", dur(ps.sleep), dur(grace.d)),
			Fix:     fmt.Sprintf("set %s above %d plus the process's own shutdown time, or replace the sleep with a bounded wait for zero connections", grace.Path, int(ps.sleep.Seconds())),
		}, true
	case ps.kind == stopWait && ps.deadline > grace.d:
		v.d = ps.deadline
		return Finding{
			Field: grace, Versus: &v,
			Message: fmt.Sprintf("the preStop waits up to %s but the kubelet SIGKILLs the pod at %s: connections the wait would have kept are cut at %s", dur(ps.deadline), dur(grace.d), dur(grace.d)),
			Fix:     fmt.Sprintf("set %s to at least %d, the preStop's own deadline", grace.Path, int(ps.deadline.Seconds())),
		}, true
	}
	return Finding{}, false
}
