package lint

import (
	"fmt"
	"time"
)

// LingerThreshold is the longest fixed preStop sleep lint accepts in an
// application container: a few seconds let endpoint removal reach every
// node (the usual reason for the sleep); longer only keeps the pod
// Terminating after its work is done. A proxy's fixed sleep is always
// flagged: it is either shorter than its connections (drops) or longer
// (linger).
const LingerThreshold = 10 * time.Second

var ruleFixedSleep = Rule{
	Name: "fixed-sleep-prestop",
	Doc: "a preStop that sleeps a fixed time (sleep N, a preStop sleep action, a one-shot command then sleep) in a proxy, " +
		"or longer than 10 s in any container: the pod lingers after its last connection closed, and connections outliving the sleep are cut",
	check: checkFixedSleep,
}

func checkFixedSleep(c *checkContext, w *workload) []Finding {
	var out []Finding
	for _, ct := range w.running() {
		ps := readPreStop(ct)
		if ps.kind != stopSleep || (!ct.isProxy() && ps.sleep <= LingerThreshold) {
			continue
		}
		grace := w.grace()
		out = append(out, Finding{
			Container: ct.c.Name,
			Field:     Value{Path: ps.path, Value: ps.text, d: ps.sleep},
			Versus:    &grace,
			Message: fmt.Sprintf("the preStop sleeps %s whatever the connections do: the pod stays Terminating up to %s after its last connection closed (linger), and connections still open when the sleep ends are cut at SIGTERM",
				dur(ps.sleep), dur(ps.sleep)),
			Fix: waitFix(ct),
		})
	}
	return out
}

// waitFix says how to wait for zero connections instead, for the program
// the container runs.
func waitFix(ct containerRef) string {
	prog := ""
	for _, s := range []string{ct.c.Name, baseName(ct.c.Image)} {
		for _, p := range []string{"envoy", "gateway-proxy", "haproxy", "nginx", "istio-proxy"} {
			if len(s) >= len(p) && s[:len(p)] == p && prog == "" {
				prog = p
			}
		}
	}
	if len(ct.c.Command) > 0 && prog == "" {
		prog = baseName(ct.c.Command[0])
	}
	switch prog {
	case "envoy", "gateway-proxy":
		return "replace the sleep with a wait for zero connections bounded by the grace: fail the health check, then poll Envoy's admin " +
			`/stats?usedonly&filter=^listener\..*downstream_cx_active$ (only the listeners that matter, e.g. port 2222) until the sum is 0, ` +
			"or run drainwait; set terminationGracePeriodSeconds to the longest connection you must keep"
	case "haproxy":
		return "replace the sleep with drainwait --haproxy-master unix:///…/master.sock --soft-stop-pid 1 --deadline <grace>: soft-stop, then exit at 0 live connections"
	case "nginx":
		return "replace the sleep with drainwait --soft-stop-pid 1 --soft-stop-signal QUIT --deadline <grace>: nginx's graceful shutdown ends when its last connection closed"
	case "istio-proxy", "pilot-agent":
		return "drop the sleep and set EXIT_ON_ZERO_ACTIVE_CONNECTIONS in proxy.istio.io/config proxyMetadata, with a grace as long as the longest connection"
	}
	return "replace the sleep with a wait on the condition it stands for (endpoint removal: a few seconds; open connections: poll until 0), bounded by terminationGracePeriodSeconds"
}
