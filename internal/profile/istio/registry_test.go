package istio

import (
	"strings"
	"testing"
)

// Registry mode renders the pinned module's charts with the release's own images: istiod is
// <hub>/pilot:<version>, the injection template and the gateway's proxy are proxyv2, every
// one pulled (IfNotPresent), never one built here.
func TestReleaseRendersTheChartsWithTheReleaseImages(t *testing.T) {
	r := Release{Version: "1.26.3", Hub: "mirror.example:5000/istio"}
	b := &Built{ModuleDir: pinnedModule(t), Release: &r, Istiod: &Image{Ref: r.Pilot()}, Proxy: &Image{Ref: r.ProxyV2()}}
	if len(b.Archives()) != 0 {
		t.Fatalf("a release has nothing to load: %v", b.Archives())
	}
	_, istiod := values(b)
	c, err := loadChart(b.ModuleDir, chartIstiod)
	if err != nil {
		t.Fatal(err)
	}
	m, err := render(c, istiodRelease, Namespace, istiod)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`image: "mirror.example:5000/istio/pilot:1.26.3"`, "imagePullPolicy: IfNotPresent", "mirror.example:5000/istio/proxyv2:1.26.3"} {
		if !strings.Contains(m, want) {
			t.Errorf("rendered istiod lacks %q", want)
		}
	}
	if strings.Contains(m, "imagePullPolicy: Never") || strings.Contains(m, "drainproof/istio") {
		t.Error("a release's install names a built image or never pulls")
	}
	g, err := RenderGateway(b, GatewayOptions{Name: "ingress", Namespace: "ns"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(g, "imagePullPolicy: IfNotPresent") {
		t.Error("the release's gateway never pulls its proxyv2")
	}
	if InstallKey(b) == InstallKey(&Built{Istiod: &Image{Ref: IstiodRepo + ":x"}, Proxy: &Image{Ref: ProxyRepo + ":y"}}) {
		t.Error("the install key does not tell a release from a build")
	}
	if got := (Release{Version: "1.26.3"}).ProxyV2(); got != "docker.io/istio/proxyv2:1.26.3" {
		t.Errorf("default hub: %s", got)
	}
}
