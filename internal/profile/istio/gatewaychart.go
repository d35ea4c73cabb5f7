package istio

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/drainproof/drainproof/internal/image/gobuild"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// GatewayChartName is the name scenarios' manifests render Istio's gateway chart by:
// {{ chart "istio-gateway" (dict "name" "ingress" "replicas" "2" ...) }}.
const GatewayChartName = "istio-gateway"

// GatewayChartKeys are the keys a scenario may give the gateway chart (see ParseGatewayValues).
var GatewayChartKeys = []string{"name", "replicas", "grace", "serviceType", "ports", "env.NAME", "podAnnotations.KEY", "labels.KEY"}

// ParseGatewayValues turns a scenario's flat chart values into GatewayOptions for namespace:
//
//	name                   release, Deployment and Service name
//	replicas               gateway replicas (default 1)
//	grace                  terminationGracePeriodSeconds (default the chart's 30)
//	serviceType            ClusterIP (default), NodePort or LoadBalancer
//	ports                  "name:port[:targetPort],…" besides the status port
//	env.NAME               an env var of the gateway's istio-proxy container
//	podAnnotations.KEY     a pod annotation beside the chart's own
//	labels.KEY             a pod label; labels.istio is the selector a Gateway resource matches
//
// Every error names the key (values.replicas: …).
func ParseGatewayValues(namespace string, vals map[string]string) (GatewayOptions, error) {
	o := GatewayOptions{Namespace: namespace}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	num := func(k, v string) (int, error) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("values.%s: %q is not a non-negative integer", k, v)
		}
		return n, nil
	}
	put := func(m *map[string]string, k, v string) {
		if *m == nil {
			*m = map[string]string{}
		}
		(*m)[k] = v
	}
	var err error
	for _, k := range keys {
		v := vals[k]
		switch prefix, rest, _ := strings.Cut(k, "."); {
		case k == "name":
			o.Name = v
		case k == "replicas":
			o.Replicas, err = num(k, v)
		case k == "grace":
			o.TerminationGracePeriodSeconds, err = num(k, v)
		case k == "serviceType":
			o.ServiceType = v
		case k == "ports":
			o.Ports, err = parsePorts(v)
		case prefix == "env" && rest != "":
			put(&o.Env, rest, v)
		case prefix == "podAnnotations" && rest != "":
			put(&o.PodAnnotations, rest, v)
		case prefix == "labels" && rest != "":
			put(&o.Labels, rest, v)
		default:
			return o, fmt.Errorf("values.%s: unknown key (known: %s)", k, strings.Join(GatewayChartKeys, ", "))
		}
		if err != nil {
			return o, err
		}
	}
	if o.Name == "" {
		return o, fmt.Errorf("values.name: required")
	}
	return o, o.validate()
}

func parsePorts(s string) ([]GatewayPort, error) {
	var out []GatewayPort
	for i, f := range strings.Split(s, ",") {
		parts := strings.Split(strings.TrimSpace(f), ":")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
			return nil, fmt.Errorf("values.ports[%d]: %q: want name:port[:targetPort]", i, f)
		}
		p := GatewayPort{Name: parts[0]}
		for j, dst := range []*int32{&p.Port, &p.TargetPort}[:len(parts)-1] {
			n, err := strconv.ParseInt(parts[j+1], 10, 32)
			if err != nil || n < 1 || n > 65535 {
				return nil, fmt.Errorf("values.ports[%d]: %q: port %q not in 1..65535", i, f, parts[j+1])
			}
			*dst = int32(n)
		}
		out = append(out, p)
	}
	return out, nil
}

// GatewayChart renders Istio's gateway chart from b's module for a scenario, pulled as b on the
// run's cluster says (Built.PullPolicy: a release's proxyv2 is pulled; an image built here is
// pulled from the registry it was pushed to, or never when it was loaded into the nodes).
func GatewayChart(b *Built) func(namespace, pullPolicy string, vals map[string]string) (string, error) {
	return func(namespace, pullPolicy string, vals map[string]string) (string, error) {
		o, err := ParseGatewayValues(namespace, vals)
		if err != nil {
			return "", err
		}
		return RenderGateway(b.OnCluster(corev1.PullPolicy(pullPolicy), "", ""), o)
	}
}

// ModuleDir is the pinned Istio module's directory in the Go module cache (downloaded through
// the module proxy when missing): where the charts come from without building anything.
func ModuleDir(ctx context.Context) (string, error) {
	root, err := imgbuild.CacheRoot()
	if err != nil {
		return "", err
	}
	dir, _, err := gobuild.ModuleInfo(ctx, filepath.Join(root, "istio", "scratch"), Module, Version)
	return dir, err
}
