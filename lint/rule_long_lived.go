package lint

import "fmt"

// ruleLongLivedNoDrain: a Service port of a long-lived protocol (SSH) in
// front of pods that do not drain: every rollout cuts every session.
var ruleLongLivedNoDrain = Rule{
	Name: "long-lived-port-without-drain",
	Doc: "a Service port of a long-lived protocol (SSH: 22, 2222, or named/appProtocol ssh) selects pods whose proxy has no drain: " +
		"a proxy container without preStop (it stops at SIGTERM; traefik, which drains at SIGTERM itself, excepted), or an Istio sidecar that stops after a fixed terminationDrainDuration " +
		"instead of at zero connections (an application server itself is not judged: lint cannot see whether it keeps sessions on SIGTERM)",
	check: checkLongLivedNoDrain,
}

func checkLongLivedNoDrain(c *checkContext, w *workload) []Finding {
	var out []Finding
	grace := w.grace()
	for _, s := range c.services {
		if !s.selects(w) {
			continue
		}
		for _, i := range s.longLivedPorts() {
			port := s.portValue(i)
			if sc := c.sidecars[w]; sc != nil {
				if sc.native || sc.exitZero != nil || sc.preStop.kind == stopWait {
					continue
				}
				d := sc.drain
				out = append(out, Finding{
					Container: sc.container, Field: d, Versus: &port,
					Message: fmt.Sprintf("%s reaches this pod through its istio-proxy sidecar, which stops %s after SIGTERM however many sessions are open: a fixed drain, not a wait for zero connections; every session still open then is cut",
						s.ref, dur(sc.drain.d)),
					Fix: fmt.Sprintf("set EXIT_ON_ZERO_ACTIVE_CONNECTIONS: \"true\" in proxy.istio.io/config proxyMetadata and %s to the longest session you must keep (now %s)", grace.Path, dur(grace.d)),
				})
				continue
			}
			ct, ok := s.target(i, w)
			if !ok || !ct.isProxy() || readPreStop(ct).kind != stopNone {
				continue
			}
			if _, drains := readTraefik(ct); drains {
				continue // traefik drains at SIGTERM itself (lifeCycle.graceTimeOut; grace-shorter-than-drain judges its length)
			}
			out = append(out, Finding{
				Container: ct.c.Name,
				Field:     Value{Path: ct.path + ".lifecycle.preStop", Value: fmt.Sprintf("unset (no drain; grace %s)", dur(grace.d))},
				Versus:    &port,
				Message: fmt.Sprintf("%s sends long-lived sessions to proxy container %s, which has no preStop: at SIGTERM the proxy stops and cuts every session it carries; terminationGracePeriodSeconds (%s) does not help without a drain",
					s.ref, ct.c.Name, dur(grace.d)),
				Fix: "give the proxy a preStop that stops accepting and waits for 0 live connections (haproxy: drainwait --haproxy-master …; nginx: drainwait --soft-stop-pid 1 --soft-stop-signal QUIT; Envoy: healthcheck/fail then poll " +
					`/stats?usedonly&filter=^listener\..*downstream_cx_active$` + "), and a terminationGracePeriodSeconds as long as the longest session you must keep",
			})
		}
	}
	return out
}
