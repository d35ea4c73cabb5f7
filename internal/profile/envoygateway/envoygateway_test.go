package envoygateway

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/drainproof/drainproof/internal/helmrelease"
	"github.com/drainproof/drainproof/internal/image/gobuild"
)

func moduleDir(t *testing.T) (dir, goMod string) {
	t.Helper()
	dir, goMod, err := gobuild.ModuleInfo(context.Background(), t.TempDir(), Module, Version)
	if err != nil {
		t.Skipf("module not available: %v", err)
	}
	return dir, goMod
}

func fakeBuilt(dir string) *Built {
	return &Built{ModuleDir: dir, ControlPlane: &Image{Ref: ControlPlaneRepo + ":test"}, Proxy: &Image{Ref: ProxyRepo + ":test"}}
}

// The chart, rendered offline from the module with Install's values, runs our image everywhere
// Envoy Gateway's own would run (controller, certgen job, shutdown manager), never pulls it,
// deploys proxies in their Gateway's namespace with the stand-in image, and carries the CRDs the
// scenarios need.
// Pushed to a registry an existing cluster's nodes pull from, the control plane is pulled.
func TestChartPullsWhatWasPushed(t *testing.T) {
	dir, _ := moduleDir(t)
	m := renderChart(t, dir, fakeBuilt(dir).OnCluster(corev1.PullIfNotPresent, "reg.example:5000/dp/envoy-gateway:k1", "reg.example:5000/dp/envoy-standin:k2"))
	if !strings.Contains(m, "imagePullPolicy: IfNotPresent") || strings.Contains(m, "imagePullPolicy: Never") ||
		!strings.Contains(m, "image: reg.example:5000/dp/envoy-gateway:k1") || !strings.Contains(m, "image: reg.example:5000/dp/envoy-standin:k2") {
		t.Errorf("rendered chart does not pull the pushed control plane:\n%s", m)
	}
}

// renderChart renders the module's chart offline with Install's values for b.
func renderChart(t *testing.T, dir string, b *Built) string {
	t.Helper()
	v, err := values(dir, b)
	if err != nil {
		t.Fatal(err)
	}
	c, err := loadChart(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := helmrelease.Render(c, release, Namespace, v)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestChartRendersWithOurImagesAndGatewayNamespaceMode(t *testing.T) {
	dir, _ := moduleDir(t)
	b := fakeBuilt(dir)
	m := renderChart(t, dir, b)
	for _, want := range []string{
		"image: " + b.ControlPlane.Ref, "imagePullPolicy: Never", // controller and certgen
		"shutdownManager:\n          image: " + b.ControlPlane.Ref,
		"type: GatewayNamespace", "image: " + b.Proxy.Ref, "tokenreviews",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("rendered chart lacks %q", want)
		}
	}
	if strings.Contains(m, "docker.io/envoyproxy/gateway") {
		t.Error("the rendered chart still names Envoy Gateway's registry image")
	}
	c, err := loadChart(dir)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, o := range c.CRDObjects() {
		all.Write(o.File.Data)
	}
	for _, want := range []string{"name: tcproutes.gateway.networking.k8s.io", "name: envoyproxies.gateway.envoyproxy.io", "name: gateways.gateway.networking.k8s.io"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the chart's CRDs lack %s", want)
		}
	}
}

func TestInstallKeyFollowsImages(t *testing.T) {
	dir, _ := moduleDir(t)
	a, b := fakeBuilt(dir), fakeBuilt(dir)
	b.Proxy.Ref = ProxyRepo + ":other"
	ka, err := InstallKey(a)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := InstallKey(b)
	if ka == kb {
		t.Fatal("a different proxy image kept the install key (the release would not be upgraded)")
	}
}

func TestWrapperCarriesTheGoDirectiveAndRefusesReplaces(t *testing.T) {
	_, goMod := moduleDir(t)
	w, err := wrapper(goMod)
	if err != nil {
		t.Fatal(err)
	}
	if w.Go == "" || w.Require[Module] != Version || len(w.Packages) != 1 || w.Packages[0] != binaryPkg {
		t.Fatalf("wrapper %+v", w)
	}
	if !strings.Contains(ldflags(), Module+"/internal/cmd/version.envoyGatewayVersion="+Version) {
		t.Fatalf("ldflags %q do not stamp the version", ldflags())
	}
}
