package lint

import "fmt"

// ruleExitOnZero: EXIT_ON_ZERO_ACTIVE_CONNECTIONS makes pilot-agent keep the
// proxy until its last connection closed — but only within the grace. A
// grace no longer than Kubernetes' default caps it as if it were not set.
var ruleExitOnZero = Rule{
	Name: "exit-on-zero-capped-by-grace",
	Doc: "EXIT_ON_ZERO_ACTIVE_CONNECTIONS (proxy.istio.io/config proxyMetadata or env) with a terminationGracePeriodSeconds " +
		"no longer than Kubernetes' default 30 s: the SIGKILL at the grace is the only deadline in that mode",
	check: checkExitOnZero,
}

func checkExitOnZero(c *checkContext, w *workload) []Finding {
	sc := c.sidecars[w]
	if sc == nil || sc.exitZero == nil {
		return nil
	}
	grace := w.grace()
	if grace.d > DefaultGrace && grace.d > sc.minDrain.d {
		return nil
	}
	v := *sc.exitZero
	note := ""
	if !sc.drain.Default {
		note = fmt.Sprintf(" (%s = %s is not used)", sc.drain.Path, sc.drain.Value)
	}
	return []Finding{{
		Container: sc.container, Field: grace, Versus: &v,
		Message: fmt.Sprintf("with EXIT_ON_ZERO_ACTIVE_CONNECTIONS pilot-agent waits MINIMUM_DRAIN_DURATION (%s), then keeps the proxy until its last connection closed; terminationDrainDuration is no deadline in this mode%s, only the kubelet's SIGKILL at the grace (%s) is, and it cuts every connection still open",
			dur(sc.minDrain.d), note, dur(grace.d)),
		Fix: fmt.Sprintf("set %s to the longest connection the proxy must keep (e.g. 3600 for hour-long SSH sessions): the proxy exits as soon as its connections are gone, so a long grace costs nothing when they end early", grace.Path),
	}}
}
