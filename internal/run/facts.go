package run

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/internal/kube"
	"github.com/drainproof/drainproof/internal/ledger"
)

// FactsProbe is the Probe of the Note events that record, per pod, the spec
// facts that decide how it drains, read from the live pod (after any
// admission webhook such as Istio's injector rewrote it) just before the
// disruption.
const FactsProbe = "facts"

// recordDrainFacts adds one FactsProbe note per pod of ns. A pod list error
// is recorded as a note too: facts are for humans, never judged.
func recordDrainFacts(ctx context.Context, cs kubernetes.Interface, ns string, l *ledger.Ledger) {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		_ = l.Add(ledger.Event{Kind: ledger.Note, Probe: FactsProbe, Error: fmt.Sprintf("list pods: %v", err)})
		return
	}
	sort.Slice(pods.Items, func(i, j int) bool { return pods.Items[i].Name < pods.Items[j].Name })
	for i := range pods.Items {
		p := &pods.Items[i]
		if kube.IsHarness(p.Labels) {
			continue // in-cluster probers: the harness, not the system under test
		}
		_ = l.Add(ledger.Event{Kind: ledger.Note, Probe: FactsProbe, Pod: p.Namespace + "/" + p.Name, Detail: DrainFacts(p)})
	}
}

// DrainFacts are the facts of one pod that decide its drain: the grace
// period, each container's kind (container or native sidecar) and preStop,
// and for an Istio proxy its sidecar form, terminationDrainDuration,
// EXIT_ON_ZERO_ACTIVE_CONNECTIONS and MINIMUM_DRAIN_DURATION.
func DrainFacts(p *corev1.Pod) map[string]string {
	f := map[string]string{"grace": "30s (default)"}
	if g := p.Spec.TerminationGracePeriodSeconds; g != nil {
		f["grace"] = strconv.FormatInt(*g, 10) + "s"
	}
	for _, c := range p.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			containerFacts(f, c, "native-sidecar")
		}
	}
	for _, c := range p.Spec.Containers {
		containerFacts(f, c, "container")
	}
	return f
}

func containerFacts(f map[string]string, c corev1.Container, kind string) {
	f[c.Name+".kind"] = kind
	f[c.Name+".preStop"] = preStopText(c.Lifecycle)
	if c.Name != "istio-proxy" {
		return
	}
	f["istio.sidecar"] = map[string]string{"native-sidecar": "native", "container": "classic"}[kind]
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	f["istio.terminationDrainDuration"] = "5s (Istio's default)"
	var pc struct {
		TerminationDrainDuration string `json:"terminationDrainDuration"`
	}
	if json.Unmarshal([]byte(env["PROXY_CONFIG"]), &pc) == nil && pc.TerminationDrainDuration != "" {
		f["istio.terminationDrainDuration"] = pc.TerminationDrainDuration
	}
	for _, k := range []string{"EXIT_ON_ZERO_ACTIVE_CONNECTIONS", "MINIMUM_DRAIN_DURATION", "TERMINATION_DRAIN_DURATION_SECONDS"} {
		if v, ok := env[k]; ok {
			f["istio."+k] = v
		} else {
			f["istio."+k] = "unset"
		}
	}
}

func preStopText(l *corev1.Lifecycle) string {
	switch {
	case l == nil || l.PreStop == nil:
		return "none"
	case l.PreStop.Exec != nil:
		return "exec: " + strings.Join(l.PreStop.Exec.Command, " ")
	case l.PreStop.HTTPGet != nil:
		return fmt.Sprintf("httpGet: %s port %s", l.PreStop.HTTPGet.Path, l.PreStop.HTTPGet.Port.String())
	case l.PreStop.Sleep != nil:
		return fmt.Sprintf("sleep: %ds", l.PreStop.Sleep.Seconds)
	}
	return "other"
}
