package istio

import (
	"fmt"
	"io"
	"path/filepath"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"k8s.io/client-go/rest"

	"github.com/drainproof/drainproof/internal/helmrelease"
)

// The charts, as paths under the module's manifests/charts (embedded in the module as
// istio.io/istio/manifests; read from the Go module cache, never copied into this repository).
const (
	chartBase    = "base"
	chartIstiod  = "istio-control/istio-discovery"
	chartGateway = "gateway"
)

// loadChart loads one of the module's charts from the module cache.
func loadChart(modDir, rel string) (*chart.Chart, error) {
	c, err := loader.LoadDir(filepath.Join(modDir, "manifests", "charts", filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("load chart %s from %s@%s: %w", rel, Module, Version, err)
	}
	return c, nil
}

// render renders a chart offline as `helm template` does (helmrelease.Render).
func render(c *chart.Chart, releaseName, namespace string, values map[string]any) (string, error) {
	return helmrelease.Render(c, releaseName, namespace, values)
}

func newHelmClient(rc *rest.Config, namespace string, log io.Writer) (*helmrelease.Client, error) {
	return helmrelease.NewClient(rc, namespace, log)
}
