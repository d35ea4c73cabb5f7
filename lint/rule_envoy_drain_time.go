package lint

import (
	"fmt"
	"strings"
)

// ruleEnvoyDrainTime: Envoy's --drain-time-s is how long it drains
// listeners (drain_listeners, hot restart); a drain longer than the grace is
// cut by SIGKILL.
var ruleEnvoyDrainTime = Rule{
	Name: "envoy-drain-time-exceeds-grace",
	Doc: "an Envoy container's --drain-time-s is longer than terminationGracePeriodSeconds, or an Istio sidecar's drainDuration " +
		"(what pilot-agent passes to Envoy as --drain-time-s; not the termination drain, which is terminationDrainDuration)",
	check: checkEnvoyDrainTime,
}

func checkEnvoyDrainTime(c *checkContext, w *workload) []Finding {
	grace := w.grace()
	var out []Finding
	if sc := c.sidecars[w]; sc != nil && sc.drainTime != nil && sc.drainTime.d > grace.d {
		v := *sc.drainTime
		out = append(out, Finding{
			Container: sc.container, Field: grace, Versus: &v,
			Message: fmt.Sprintf("drainDuration %s is Envoy's --drain-time-s (pilot-agent passes it on), longer than the %s grace; it is not how long the proxy stays at shutdown: pilot-agent stops it at terminationDrainDuration (%s here) unless EXIT_ON_ZERO_ACTIVE_CONNECTIONS is set",
				dur(v.d), dur(grace.d), dur(sc.drain.d)),
			Fix: fmt.Sprintf("to keep connections through shutdown set terminationDrainDuration (or EXIT_ON_ZERO_ACTIVE_CONNECTIONS) and %s to at least that; keep drainDuration within the grace", grace.Path),
		})
	}
	for _, ct := range w.running() {
		argv := append(append([]string{}, ct.c.Command...), ct.c.Args...)
		for i, a := range argv {
			val, ok := "", false
			switch {
			case a == "--drain-time-s" && i+1 < len(argv):
				val, ok = argv[i+1], true
			case strings.HasPrefix(a, "--drain-time-s="):
				val, ok = strings.TrimPrefix(a, "--drain-time-s="), true
			}
			if !ok {
				continue
			}
			d := parseSeconds(val)
			if d <= grace.d {
				continue
			}
			field, idx := "command", i
			if a == "--drain-time-s" {
				idx++ // the value's own index
			}
			if idx >= len(ct.c.Command) {
				field, idx = "args", idx-len(ct.c.Command)
			}
			v := Value{Path: fmt.Sprintf("%s.%s[%d]", ct.path, field, idx), Value: val + " (--drain-time-s)", d: d}
			out = append(out, Finding{
				Container: ct.c.Name, Field: grace, Versus: &v,
				Message: fmt.Sprintf("Envoy drains its listeners for %s, but the kubelet SIGKILLs the pod at %s: connections Envoy would still drain are cut", dur(d), dur(grace.d)),
				Fix:     fmt.Sprintf("set %s to at least %d plus the preStop's wait, or lower --drain-time-s", grace.Path, int(d.Seconds())),
			})
		}
	}
	return out
}
