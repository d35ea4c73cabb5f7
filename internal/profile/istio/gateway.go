package istio

import (
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/util/validation"
)

// GatewayOptions describe one ingress gateway rendered from Istio's gateway chart: a Deployment
// whose pod the injector turns into an istio-proxy (inject.istio.io/templates: gateway), its
// Service, ServiceAccount and RBAC.
type GatewayOptions struct {
	Name      string // release, Deployment and Service name (a DNS label)
	Namespace string // the scenario's namespace
	// Env is set on the gateway's istio-proxy container, e.g. TERMINATION_DRAIN_DURATION_SECONDS
	// (the drain pilot-agent gives Envoy; TSB's connectionDrainDuration sets the same) or
	// EXIT_ON_ZERO_ACTIVE_CONNECTIONS.
	Env map[string]string
	// PodAnnotations are added to the chart's own (which ask for the gateway injection
	// template), e.g. proxy.istio.io/config: '{"terminationDrainDuration": "30s"}'.
	PodAnnotations map[string]string
	// Labels are added to the gateway pods' (the chart's labels value); labels["istio"] replaces
	// the selector label a Gateway resource matches (default: Name without "istio-").
	Labels      map[string]string
	Ports       []GatewayPort // Service ports besides 15021 (status-port), e.g. ssh 2222
	ServiceType string        // zero: ClusterIP
	Replicas    int           // zero: 1
	// TerminationGracePeriodSeconds is the pod's grace (zero: the chart's 30).
	TerminationGracePeriodSeconds int
}

// GatewayPort is one Service port of the gateway (TCP).
type GatewayPort struct {
	Name       string
	Port       int32
	TargetPort int32 // zero: Port
}

func (o GatewayOptions) validate() error {
	if errs := validation.IsDNS1035Label(o.Name); len(errs) > 0 {
		return fmt.Errorf("istio gateway: Name %q: %v", o.Name, errs)
	}
	if errs := validation.IsDNS1123Label(o.Namespace); len(errs) > 0 {
		return fmt.Errorf("istio gateway: Namespace %q: %v", o.Namespace, errs)
	}
	for k := range o.Env {
		if errs := validation.IsEnvVarName(k); len(errs) > 0 {
			return fmt.Errorf("istio gateway: Env[%q]: %v", k, errs)
		}
	}
	for k, v := range o.Labels {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("istio gateway: Labels[%q]: %v", k, errs)
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return fmt.Errorf("istio gateway: Labels[%q]=%q: %v", k, v, errs)
		}
	}
	for i, p := range o.Ports {
		if p.Name == "" || p.Port <= 0 || p.Port > 65535 || p.TargetPort < 0 || p.TargetPort > 65535 {
			return fmt.Errorf("istio gateway: Ports[%d] (%+v): needs a name and ports in 1..65535", i, p)
		}
	}
	switch o.ServiceType {
	case "", "ClusterIP", "NodePort", "LoadBalancer":
	default:
		return fmt.Errorf("istio gateway: ServiceType %q: want ClusterIP, NodePort or LoadBalancer", o.ServiceType)
	}
	if o.Replicas < 0 || o.TerminationGracePeriodSeconds < 0 {
		return fmt.Errorf("istio gateway: Replicas (%d) and TerminationGracePeriodSeconds (%d) must not be negative", o.Replicas, o.TerminationGracePeriodSeconds)
	}
	return nil
}

// gatewayValues are the gateway chart's values for o: no autoscaling, pulled as pull says
// (Built.PullPolicy), small requests.
func gatewayValues(o GatewayOptions, pull string) map[string]any {
	ports := []any{map[string]any{"name": "status-port", "port": 15021, "protocol": "TCP", "targetPort": 15021}}
	for _, p := range o.Ports {
		t := p.TargetPort
		if t == 0 {
			t = p.Port
		}
		ports = append(ports, map[string]any{"name": p.Name, "port": p.Port, "protocol": "TCP", "targetPort": t})
	}
	env := map[string]any{}
	for _, k := range sortedKeys(o.Env) {
		env[k] = o.Env[k]
	}
	ann := map[string]any{}
	for _, k := range sortedKeys(o.PodAnnotations) {
		ann[k] = o.PodAnnotations[k]
	}
	labels := map[string]any{}
	for _, k := range sortedKeys(o.Labels) {
		labels[k] = o.Labels[k]
	}
	svcType, replicas := o.ServiceType, o.Replicas
	if svcType == "" {
		svcType = "ClusterIP"
	}
	if replicas == 0 {
		replicas = 1
	}
	v := map[string]any{
		"name":         o.Name,
		"replicaCount": replicas,
		// enabled=false does not survive the chart's mergeOverwrite (see values in install.go):
		// a min=max range pins the replica count instead.
		"autoscaling":     map[string]any{"enabled": false, "minReplicas": replicas, "maxReplicas": replicas},
		"imagePullPolicy": pull,
		"env":             env,
		"podAnnotations":  ann,
		"labels":          labels,
		"service":         map[string]any{"type": svcType, "ports": ports},
		"resources":       map[string]any{"requests": map[string]any{"cpu": "10m", "memory": "32Mi"}, "limits": map[string]any{"cpu": "1", "memory": "512Mi"}},
	}
	if o.TerminationGracePeriodSeconds > 0 {
		v["terminationGracePeriodSeconds"] = o.TerminationGracePeriodSeconds
	}
	return v
}

// RenderGateway renders Istio's gateway chart (from the module b was built from) for o, offline,
// as a multi-document YAML. Its namespaced objects carry no metadata.namespace (the chart leaves
// it to the release): apply them into o.Namespace. Bad options are reported by field before
// anything is rendered.
func RenderGateway(b *Built, o GatewayOptions) (string, error) {
	if err := o.validate(); err != nil {
		return "", err
	}
	if b == nil || b.ModuleDir == "" {
		return "", fmt.Errorf("istio gateway: no Istio build (call Build first)")
	}
	c, err := loadChart(b.ModuleDir, chartGateway)
	if err != nil {
		return "", err
	}
	return render(c, o.Name, o.Namespace, gatewayValues(o, b.PullPolicy()))
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
