package lint

import "fmt"

// ruleClassicSidecar: a proxy sidecar that is a plain container gets SIGTERM
// together with the application; if it stops before the application is
// done, the application's calls out during its shutdown fail. Whether the
// application calls out then cannot be seen in a manifest: heuristic.
var ruleClassicSidecar = Rule{
	Name: "classic-sidecar-stops-first",
	Doc: "an Istio-injected pod whose istio-proxy is a classic (non-native) sidecar without EXIT_ON_ZERO_ACTIVE_CONNECTIONS or a " +
		"preStop that waits for the application, draining for less than the grace; or a plain proxy container (envoy, haproxy, nginx) " +
		"beside an application container, with no preStop (heuristic)",
	check: checkClassicSidecar,
}

const nativeFix = "make the proxy a native sidecar (Kubernetes ≥ 1.29 stops it only after the application exited): "

func checkClassicSidecar(c *checkContext, w *workload) []Finding {
	grace := w.grace()
	if sc := c.sidecars[w]; sc != nil {
		if sc.native || sc.exitZero != nil || sc.preStop.kind == stopWait || sc.drain.d >= grace.d || !hasApp(w) {
			return nil
		}
		d := sc.drain
		return []Finding{{
			Container: sc.container, Field: d, Versus: &grace, Heuristic: true,
			Message: fmt.Sprintf("istio-proxy is a classic sidecar (Istio-injected, known by %s): it gets SIGTERM with the application and pilot-agent stops the proxy %s later, while the application may run until the grace (%s); any call the application makes after %s of its shutdown fails (Istio drains inbound only, outbound works until the proxy exits). Heuristic: lint cannot see whether the application calls out while it shuts down",
				sc.how, dur(sc.drain.d), dur(grace.d), dur(sc.drain.d)),
			Fix: nativeFix + `annotation sidecar.istio.io/nativeSidecar: "true"` +
				"; or set EXIT_ON_ZERO_ACTIVE_CONNECTIONS: \"true\" in proxy.istio.io/config proxyMetadata (the proxy stays while the application's connections are open); or raise terminationDrainDuration to the application's shutdown time",
		}}
	}
	var proxies []containerRef
	for _, ct := range w.running() {
		if ct.isProxy() && !ct.native && !ct.init {
			proxies = append(proxies, ct)
		}
	}
	if len(proxies) == 0 || len(proxies) == len(w.tmpl.Spec.Containers) {
		return nil // no proxy, or proxies only (a gateway pod: nothing calls out through them)
	}
	var out []Finding
	for _, p := range proxies {
		if readPreStop(p).kind != stopNone {
			continue
		}
		out = append(out, Finding{
			Container: p.c.Name, Heuristic: true,
			Field:  Value{Path: p.path + ".lifecycle.preStop", Value: "unset (a plain container: stops at SIGTERM, with the application)"},
			Versus: &grace,
			Message: fmt.Sprintf("%s is a proxy sidecar in a plain container: it gets SIGTERM together with the application and stops at once, while the application may run until the grace (%s); calls the application makes through it during its shutdown fail. Heuristic: lint cannot see whether the application calls out while it shuts down",
				p.c.Name, dur(grace.d)),
			Fix: nativeFix + "move it to initContainers with restartPolicy: Always; or give it a preStop that waits until the application exited (e.g. drainwait --until-closed on the application's port)",
		})
	}
	return out
}

// hasApp reports whether w runs a container besides istio-proxy.
func hasApp(w *workload) bool {
	for _, ct := range w.running() {
		if ct.c.Name != "istio-proxy" {
			return true
		}
	}
	return false
}
