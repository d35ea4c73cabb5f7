package istio

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/drainproof/drainproof/internal/image/gobuild"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

func TestBuildVersionIsOfTheLine(t *testing.T) {
	if v := BuildVersion(); !strings.HasPrefix(v, Line+"-alpha.") || !strings.HasSuffix(v, "eed52ebb66ad") {
		t.Fatalf("BuildVersion() = %q, want %s-alpha.<commit of %s>", v, Line, Version)
	}
	if f := ldflags(); !strings.Contains(f, "-X istio.io/istio/pkg/version.buildVersion="+BuildVersion()) {
		t.Fatalf("ldflags do not stamp the version: %s", f)
	}
}

func TestToolsUseIstiosOwnTagsAndOneWrapper(t *testing.T) {
	w := gobuild.WrapperModule{Path: "drainproof.local/build/istio", Go: "1.26.0", Require: map[string]string{Module: Version},
		Packages: []string{pilotDiscoveryPkg, pilotAgentPkg, istioctlPkg}}
	ts := tools(w, 1)
	want := map[string]string{"pilot-discovery": "vtprotobuf,disable_pgv", "istioctl": "vtprotobuf,disable_pgv",
		"pilot-agent": "agent,disable_pgv,grpcnotrace,retrynotrace"}
	keys := map[string]bool{}
	for _, tool := range ts {
		if got := strings.Join(tool.Tags, ","); got != want[tool.Binary] {
			t.Errorf("%s: tags %q, want %q", tool.Binary, got, want[tool.Binary])
		}
		if tool.SrcName != "istio" || len(tool.Wrapper.Replace) != 0 || tool.Parallel != 1 {
			t.Errorf("%s: src %q, replace %v, -p %d", tool.Binary, tool.SrcName, tool.Wrapper.Replace, tool.Parallel)
		}
		keys[tool.Key("go1.26.8")] = true
	}
	if len(ts) != 3 || len(keys) != 3 {
		t.Fatalf("want 3 tools with distinct cache keys, got %d tools, %d keys", len(ts), len(keys))
	}
}

func TestWrapperTakesIstiosGoDirective(t *testing.T) {
	p := filepath.Join(t.TempDir(), "go.mod")
	if err := os.WriteFile(p, []byte("module istio.io/istio\n\ngo 1.26.0\n\nrequire (\n\tfoo v1\n)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := wrapper(p)
	if err != nil {
		t.Fatal(err)
	}
	if w.Go != "1.26.0" || w.Require[Module] != Version {
		t.Fatalf("wrapper go %q require %v", w.Go, w.Require)
	}
	if err := os.WriteFile(p, []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := wrapper(p); err == nil || !strings.Contains(err.Error(), "go directive") {
		t.Fatalf("want a go directive error, got %v", err)
	}
}

// A source tree without the stand-in fails before any build work, naming the missing package.
func TestBuildWithoutStandInNamesIt(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module github.com/drainproof/drainproof\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	_, err := Build(context.Background(), Options{SourceDir: src, CacheDir: cache})
	if !errors.Is(err, ErrNoStandIn) || !strings.Contains(err.Error(), StandInPackage) {
		t.Fatalf("want ErrNoStandIn naming %s, got %v", StandInPackage, err)
	}
	if ents, _ := os.ReadDir(cache); len(ents) != 0 {
		t.Fatalf("the cache was touched before the error: %v", ents)
	}
}

func TestValuesNeverPullAndNameTheBuiltImages(t *testing.T) {
	b := &Built{Istiod: &Image{Ref: IstiodRepo + ":1.31-a"}, Proxy: &Image{Ref: ProxyRepo + ":1.31-b"}}
	_, v := values(b)
	g := v["global"].(map[string]any)
	if v["image"] != b.Istiod.Ref || g["imagePullPolicy"] != "Never" ||
		g["proxy"].(map[string]any)["image"] != b.Proxy.Ref || g["proxy_init"].(map[string]any)["image"] != b.Proxy.Ref {
		t.Fatalf("values: %v", v)
	}
	// Pushed to a registry an existing cluster's nodes pull from: pulled, and a different install.
	pushed := b.OnCluster(corev1.PullIfNotPresent, "reg.example:5000/dp/istiod:1.31-a", "reg.example:5000/dp/istio-proxy:1.31-b")
	if _, v := values(pushed); v["global"].(map[string]any)["imagePullPolicy"] != "IfNotPresent" || InstallKey(pushed) == InstallKey(b) ||
		v["image"] != "reg.example:5000/dp/istiod:1.31-a" || v["global"].(map[string]any)["proxy"].(map[string]any)["image"] != "reg.example:5000/dp/istio-proxy:1.31-b" {
		t.Fatalf("images pushed to a registry: values %v", v)
	}
	if b.Delivered != "" || b.Istiod.Ref != IstiodRepo+":1.31-a" || b.Proxy.Ref != ProxyRepo+":1.31-b" {
		t.Fatal("OnCluster changed the build itself")
	}
	k := InstallKey(b)
	b.Proxy.Ref = ProxyRepo + ":1.31-c"
	if InstallKey(b) == k {
		t.Fatal("the install key does not cover the proxy image")
	}
	b.Proxy = nil
	if _, v := values(b); v["global"].(map[string]any)["proxy"].(map[string]any)["image"] != missingProxyImage {
		t.Fatal("without a proxy image the injection template must name the missing one")
	}
}

func TestGatewayOptionsNameTheBadField(t *testing.T) {
	good := GatewayOptions{Name: "ingress", Namespace: "ns"}
	for field, o := range map[string]GatewayOptions{
		"Name":                          {Namespace: "ns"},
		"Namespace":                     {Name: "ingress", Namespace: "Bad_NS"},
		"Env[\"1X\"]":                   {Name: "ingress", Namespace: "ns", Env: map[string]string{"1X": "y"}},
		"Ports[0]":                      {Name: "ingress", Namespace: "ns", Ports: []GatewayPort{{Name: "ssh", Port: 70000}}},
		"ServiceType":                   {Name: "ingress", Namespace: "ns", ServiceType: "External"},
		"TerminationGracePeriodSeconds": {Name: "ingress", Namespace: "ns", TerminationGracePeriodSeconds: -1},
	} {
		if err := o.validate(); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: want an error naming it, got %v", field, err)
		}
	}
	if err := good.validate(); err != nil {
		t.Fatal(err)
	}
}

// moduleDir downloads the pinned module (seconds from the module proxy, then cached).
var moduleDir = sync.OnceValues(func() (string, error) { return ModuleDir(context.Background()) })

func pinnedModule(t *testing.T) string {
	t.Helper()
	dir, err := moduleDir()
	if err != nil {
		t.Fatalf("the pinned Istio module (module proxy needed): %v", err)
	}
	if err := checkLine(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The charts render from the module cache with the Helm SDK, and the rendered istiod and its
// injection template use the built images and never pull.
func TestIstiodChartRendersWithOurImages(t *testing.T) {
	b := &Built{ModuleDir: pinnedModule(t), Istiod: &Image{Ref: IstiodRepo + ":1.31-a"}, Proxy: &Image{Ref: ProxyRepo + ":1.31-b"}}
	base, istiod := values(b)
	c, err := loadChart(b.ModuleDir, chartBase)
	if err != nil {
		t.Fatal(err)
	}
	m, err := render(c, baseRelease, Namespace, base)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(m, "\nkind: CustomResourceDefinition"); n < 10 {
		t.Errorf("base chart rendered %d CRDs, want Istio's (15)", n)
	}
	c, err = loadChart(b.ModuleDir, chartIstiod)
	if err != nil {
		t.Fatal(err)
	}
	m, err = render(c, istiodRelease, Namespace, istiod)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`image: "` + b.Istiod.Ref + `"`, "imagePullPolicy: Never", b.Proxy.Ref, "name: " + injectorName, "kind: MutatingWebhookConfiguration"} {
		if !strings.Contains(m, want) {
			t.Errorf("rendered istiod lacks %q", want)
		}
	}
	if strings.Contains(m, "kind: HorizontalPodAutoscaler") && !strings.Contains(m, "maxReplicas: 1\n") {
		t.Error("istiod rendered with an HPA that can scale")
	}
}

func TestRenderGatewayCarriesTheDrainSettings(t *testing.T) {
	b := &Built{ModuleDir: pinnedModule(t)}
	m, err := RenderGateway(b, GatewayOptions{
		Name: "ingress", Namespace: "scenario-1",
		Env:                           map[string]string{"TERMINATION_DRAIN_DURATION_SECONDS": "45", "EXIT_ON_ZERO_ACTIVE_CONNECTIONS": "true"},
		PodAnnotations:                map[string]string{"proxy.istio.io/config": `{"terminationDrainDuration": "45s"}`},
		Ports:                         []GatewayPort{{Name: "tcp-ssh", Port: 2222}},
		TerminationGracePeriodSeconds: 90,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"name: TERMINATION_DRAIN_DURATION_SECONDS", `value: "45"`, "name: EXIT_ON_ZERO_ACTIVE_CONNECTIONS",
		`proxy.istio.io/config: '{"terminationDrainDuration": "45s"}'`, "inject.istio.io/templates: gateway",
		"port: 2222", "terminationGracePeriodSeconds: 90", "type: ClusterIP",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("rendered gateway lacks %q:\n%s", want, m)
		}
	}
	if strings.Contains(m, "kind: HorizontalPodAutoscaler") && !strings.Contains(m, "maxReplicas: 1\n") {
		t.Error("gateway rendered with an HPA that can scale")
	}
	if _, err := RenderGateway(b, GatewayOptions{Name: "ingress"}); err == nil || !strings.Contains(err.Error(), "Namespace") {
		t.Fatalf("want an error naming Namespace, got %v", err)
	}
}

func TestImageLabelsReadTheDataPlaneBack(t *testing.T) {
	i, err := imgbuild.NewImage(imgbuild.Config{Labels: map[string]string{DataPlaneLabel: DataPlaneStandIn}})
	if err != nil {
		t.Fatal(err)
	}
	img := &Image{Ref: ProxyRepo + ":1.31-test", Archive: filepath.Join(t.TempDir(), "p.tar")}
	if err := writeArchive(img, "k", i); err != nil {
		t.Fatal(err)
	}
	l, err := ImageLabels(img)
	if err != nil || l[DataPlaneLabel] != DataPlaneStandIn {
		t.Fatalf("labels %v, err %v", l, err)
	}
}
