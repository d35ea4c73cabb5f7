package profile

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/drainproof/drainproof/internal/image/gateways"
	"github.com/drainproof/drainproof/scenarios"
)

// Every profile a scenario may name is registered, and the other way round.
func TestProfilesMatchTheScenarioSchema(t *testing.T) {
	got := Names()
	want := slices.Clone(scenarios.Profiles)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("registered profiles %v, scenario schema allows %v", got, want)
	}
}

func TestPlaceholdersCoverBaseAndProfileImages(t *testing.T) {
	for _, n := range Names() {
		p, _ := Get(n)
		ph := Placeholders(p)
		for _, img := range append(append([]string{}, BaseImages...), p.ImageNames()...) {
			if ph[img] == "" {
				t.Errorf("profile %s: no placeholder for image %q", n, img)
			}
		}
	}
	if _, err := Get("nope"); err == nil {
		t.Fatal("unknown profile accepted")
	}
}

// The Istio gateway scenarios' gateway is Istio's own chart, rendered through the profile.
func TestIstioGatewayScenarioRendersTheChart(t *testing.T) {
	c, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	s, files, err := c.Resolve("istio-gateway-rollout-ssh")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Get(s.Profile)
	charts, err := Charts(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := scenarios.Render(files, s, scenarios.Values{Namespace: "ns-1", Images: Placeholders(p), Charts: charts, SSHSecret: "k"})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, o := range objs {
		kinds[o.GetKind()+"/"+o.GetName()] = true
		if o.GetKind() == "Deployment" && o.GetName() == "ingress" {
			ls, _, _ := unstructured.NestedStringMap(o.Object, "spec", "template", "metadata", "labels")
			if ls["istio"] != "ns-1" || ls["app"] != "ingress" {
				t.Errorf("gateway pod labels %v: want istio=ns-1 (the run's namespace) and app=ingress", ls)
			}
		}
	}
	for _, want := range []string{"Deployment/ingress", "Service/ingress", "ServiceAccount/ingress", "Role/ingress", "Gateway/ingress", "VirtualService/sshd", "Deployment/sshd"} {
		if !kinds[want] {
			t.Errorf("rendered %v, lacks %s", kinds, want)
		}
	}
	// A profile without charts offers none, and asking for one names the profile.
	m, _ := Get("manifests")
	if got, err := Charts(context.Background(), m); got != nil || err != nil {
		t.Fatalf("manifests charts: %v %v", got, err)
	}
}

// The envoy and gloo profiles run the L4 Envoy stand-in: their data plane says
// so (and is a stand-in: never a pass on real Envoy); gloo's says its
// manifests are gloo-shaped, not an install of gloo.
func TestEnvoyAndGlooProfilesAreStandIns(t *testing.T) {
	for name, want := range map[string][]string{
		"envoy": {"Envoy stand-in (L4)", "envoyproxy/envoy:v1.39.1"},
		"gloo":  {"Envoy stand-in (L4)", "gloo-shaped manifests, not an install of gloo", "in place of quay.io/solo-io/gloo-envoy-wrapper"},
	} {
		p, err := Get(name)
		if err != nil {
			t.Fatal(err)
		}
		dp := p.DataPlane()
		if !dp.StandIn {
			t.Errorf("%s: data plane %+v is not marked as a stand-in", name, dp)
		}
		for _, w := range want {
			if !strings.Contains(dp.Proxy+" "+dp.Version, w) {
				t.Errorf("%s: data plane %+v does not say %q", name, dp, w)
			}
		}
		if err := p.Install(context.Background(), nil, Placeholders(p), corev1.PullNever, nil); err != nil {
			t.Errorf("%s: Install with its image table: %v", name, err)
		}
		if err := p.Install(context.Background(), nil, map[string]string{"fixtures": "f:1"}, corev1.PullNever, nil); err == nil {
			t.Errorf("%s: Install without its image accepted", name)
		}
	}
}

// On an existing cluster the images are pushed to a registry the nodes pull from: every
// container of every catalog scenario that runs a table image, charts included, is pulled as
// the run says (Values.PullPolicy), never pinned to Never by a manifest or a chart.
func TestCatalogPullsAsTheClusterSays(t *testing.T) {
	c, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range c.Names() {
		s, files, err := c.Resolve(name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Get(s.Profile)
		if err != nil {
			t.Fatal(err)
		}
		charts, err := Charts(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		images := Placeholders(p)
		images["fixtures"], images["gateway"] = "f:1", "g:1"
		for _, g := range gateways.Names() { // gateways built from Go modules ({{ image "traefik" }})
			images[g] = g + ":1"
		}
		objs, err := scenarios.Render(files, s, scenarios.Values{Namespace: "ns-1", Images: images, Charts: charts,
			SSHSecret: "k", PullPolicy: string(corev1.PullIfNotPresent)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, o := range objs {
			spec := []string{"spec", "template", "spec"}
			if o.GetKind() == "Pod" {
				spec = []string{"spec"}
			}
			for _, list := range []string{"containers", "initContainers"} {
				cs, _, _ := unstructured.NestedSlice(o.Object, append(spec, list)...)
				for _, ci := range cs {
					ctr, _ := ci.(map[string]any)
					if pull, _ := ctr["imagePullPolicy"].(string); pull == string(corev1.PullNever) {
						t.Errorf("%s: %s/%s container %v: imagePullPolicy Never, want the run's (IfNotPresent)", name, o.GetKind(), o.GetName(), ctr["name"])
					}
				}
			}
		}
	}
}
