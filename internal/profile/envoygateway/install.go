package envoygateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/drainproof/drainproof/internal/helmrelease"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
	"github.com/drainproof/drainproof/internal/kube"
)

// Where and as what Envoy Gateway is installed.
const (
	Namespace  = "envoy-gateway-system"
	release    = "eg"
	controller = "envoy-gateway" // the chart's Deployment and Service
	// ControllerName is Envoy Gateway's default controllerName (the chart's value).
	ControllerName = "gateway.envoyproxy.io/gatewayclass-controller"
	// GatewayClass is the class Install creates for every scenario's Gateway.
	GatewayClass = "drainproof-envoy-gateway"
	// certgenSecret is one of the secrets the chart's certgen job (a pre-install hook) writes:
	// the xDS server's certificate and the CA the proxies verify it with.
	certgenSecret = "envoy-gateway"
)

// installTimeout bounds Install's done condition.
const installTimeout = 5 * time.Minute

var gatewayClassGVR = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "gatewayclasses"}

// values are the chart's own values.tmpl.yaml with ${GatewayImage} filled (as Envoy Gateway's
// release does) and drainproof's settings over it: proxies in their Gateway's namespace
// (GatewayNamespace mode, see the package doc), the stand-in proxy image as the default Envoy
// image, the control plane pulled as Built.PullPolicy says (never from kind's nodes, from the
// registry it was pushed to on an existing cluster), requests small enough for a kind node on a
// shared machine.
func values(modDir string, b *Built) (map[string]any, error) {
	tmpl, err := os.ReadFile(filepath.Join(modDir, filepath.FromSlash(chartDir), "values.tmpl.yaml"))
	if err != nil {
		return nil, fmt.Errorf("%s@%s: %w", Module, Version, err)
	}
	filled := strings.NewReplacer("${GatewayImage}", b.ControlPlane.Ref, "${GatewayImagePullPolicy}", b.PullPolicy()).Replace(string(tmpl))
	if strings.Contains(filled, "${") {
		return nil, fmt.Errorf("%s@%s: %s/values.tmpl.yaml has placeholders drainproof does not fill", Module, Version, chartDir)
	}
	v := map[string]any{}
	if err := yaml.Unmarshal([]byte(filled), &v); err != nil {
		return nil, fmt.Errorf("%s/values.tmpl.yaml: %w", chartDir, err)
	}
	set(v, []string{"global", "images", "envoyProxy", "image"}, b.Proxy.Ref)
	set(v, []string{"global", "images", "envoyProxy", "pullPolicy"}, "IfNotPresent")
	set(v, []string{"config", "envoyGateway", "provider", "kubernetes", "deploy", "type"}, "GatewayNamespace")
	set(v, []string{"deployment", "envoyGateway", "resources"}, map[string]any{"requests": map[string]any{"cpu": "50m", "memory": "128Mi"}, "limits": map[string]any{"memory": "1024Mi"}})
	return v, nil
}

// set writes val at path in v, creating maps on the way.
func set(v map[string]any, path []string, val any) {
	for _, k := range path[:len(path)-1] {
		next, ok := v[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			v[k] = next
		}
		v = next
	}
	v[path[len(path)-1]] = val
}

// loadChart loads the controller's chart (with its crds subchart) from the module cache.
func loadChart(modDir string) (*chart.Chart, error) {
	c, err := loader.LoadDir(filepath.Join(modDir, filepath.FromSlash(chartDir)))
	if err != nil {
		return nil, fmt.Errorf("load chart %s from %s@%s: %w", chartDir, Module, Version, err)
	}
	return c, nil
}

// InstallKey identifies what Install puts into a cluster: the module, the images, the values.
func InstallKey(b *Built) (string, error) {
	v, err := values(b.ModuleDir, b)
	if err != nil {
		return "", err
	}
	j, _ := json.Marshal(v)
	return imgbuild.Key("envoy-gateway-install", Version, string(j), GatewayClass)[:16], nil
}

// Install installs Envoy Gateway from the module's chart into envoy-gateway-system with the
// images of b (already loaded into the nodes), unless the release already holds the same
// InstallKey, and creates the GatewayClass. Either way it returns only when Envoy Gateway
// serves: the certgen job (a pre-install hook Helm waits for) wrote its secrets, the controller
// Deployment is available, and the controller accepted the GatewayClass.
func Install(ctx context.Context, rc *rest.Config, b *Built, log io.Writer) error {
	if b == nil || b.ControlPlane == nil || b.Proxy == nil || b.ModuleDir == "" {
		return fmt.Errorf("envoy-gateway install: no images built (call Build first)")
	}
	if log == nil {
		log = io.Discard
	}
	t0 := time.Now()
	v, err := values(b.ModuleDir, b)
	if err != nil {
		return err
	}
	key, err := InstallKey(b)
	if err != nil {
		return err
	}
	c, err := loadChart(b.ModuleDir)
	if err != nil {
		return err
	}
	h, err := helmrelease.NewClient(rc, Namespace, log)
	if err != nil {
		return err
	}
	changed, err := h.Apply(ctx, release, c, v, key)
	if err != nil {
		return err
	}
	if changed {
		fmt.Fprintf(log, "[envoy-gateway] helm release %s (%s) applied in %.1fs\n", release, chartDir, time.Since(t0).Seconds())
	} else {
		fmt.Fprintf(log, "[envoy-gateway] helm release %s is up to date (key %s)\n", release, key)
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	dc, err := dynamic.NewForConfig(rc)
	if err != nil {
		return err
	}
	if err := ensureGatewayClass(ctx, dc); err != nil {
		return err
	}
	if err := waitServing(ctx, cs, dc); err != nil {
		return err
	}
	fmt.Fprintf(log, "[envoy-gateway] %s %s serving after %.1fs\n", Module, Version, time.Since(t0).Seconds())
	return nil
}

// ensureGatewayClass creates GatewayClass (cluster-scoped, shared by every run) for the
// controller; scenario Gateways name it and bring their own EnvoyProxy.
func ensureGatewayClass(ctx context.Context, dc dynamic.Interface) error {
	gc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
		"metadata": map[string]any{"name": GatewayClass},
		"spec":     map[string]any{"controllerName": ControllerName},
	}}
	_, err := dc.Resource(gatewayClassGVR).Create(ctx, gc, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("envoy-gateway install: GatewayClass %s: %w", GatewayClass, err)
	}
	return nil
}

// waitServing is Install's done condition (see Install), polled; the first part that never
// holds is named in the error.
func waitServing(ctx context.Context, cs kubernetes.Interface, dc dynamic.Interface) error {
	return kube.Conditions{Owner: "envoy-gateway install", Timeout: installTimeout}.Wait(ctx,
		kube.Condition{What: "certgen's secret " + certgenSecret, Holds: func(ctx context.Context) (bool, error) {
			_, err := cs.CoreV1().Secrets(Namespace).Get(ctx, certgenSecret, metav1.GetOptions{})
			return err == nil, err
		}},
		kube.DeploymentAvailable(cs, Namespace, controller),
		kube.Condition{What: "GatewayClass " + GatewayClass + " Accepted", Holds: func(ctx context.Context) (bool, error) {
			gc, err := dc.Resource(gatewayClassGVR).Get(ctx, GatewayClass, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			conds, _, _ := unstructured.NestedSlice(gc.Object, "status", "conditions")
			for _, c := range conds {
				m, _ := c.(map[string]any)
				if m["type"] == "Accepted" {
					if m["status"] == "True" {
						return true, nil
					}
					return false, fmt.Errorf("GatewayClass %s: Accepted=%v: %v", GatewayClass, m["status"], m["message"])
				}
			}
			return false, fmt.Errorf("GatewayClass %s: no Accepted condition yet", GatewayClass)
		}})
}
