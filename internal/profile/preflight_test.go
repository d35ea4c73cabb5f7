package profile

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
	"github.com/drainproof/drainproof/internal/testsupport"
)

// Registry mode against a real registry on loopback that holds the release's pilot image
// only: the preflight names exactly proxyv2 as missing, with the ref the run would pull.
func TestPreflightRegistryModeNamesExactlyTheMissingImage(t *testing.T) {
	host := testsupport.StartRegistry(t, "127.0.0.1:0").Host
	testsupport.PushImage(t, host+"/istio/pilot:1.26.3")
	p, err := Selection{Versions: map[string]string{"istio": "1.26.3"}, Hub: host + "/istio"}.Profile("istio")
	if err != nil {
		t.Fatal(err)
	}
	err = Preflight(context.Background(), p, image.Options{})
	var u *Unavailable
	if !errors.As(err, &u) {
		t.Fatalf("Preflight = %v; want *Unavailable", err)
	}
	if len(u.Missing) != 1 || u.Missing[0].Image != "istio-proxy" || u.Missing[0].Ref != host+"/istio/proxyv2:1.26.3" {
		t.Fatalf("missing = %+v; want exactly istio-proxy %s/istio/proxyv2:1.26.3", u.Missing, host)
	}
	if why := NotRunReason(err); !strings.Contains(why, host+"/istio/proxyv2:1.26.3") || strings.Contains(why, "pilot") {
		t.Errorf("NOT RUN reason %q: want proxyv2 named and pilot not", why)
	}
	// With both images there, the release can run.
	testsupport.PushImage(t, host+"/istio/proxyv2:1.26.3")
	if err := Preflight(context.Background(), p, image.Options{}); err != nil {
		t.Fatalf("Preflight with both images pushed = %v", err)
	}
}

// A registry that does not answer makes both images missing, each named, without waiting
// long (the lookups run in parallel under a short timeout).
func TestPreflightUnreachableRegistryNamesBothImages(t *testing.T) {
	p, err := Selection{Versions: map[string]string{"istio": "1.26.3"}, Hub: "127.0.0.1:1/istio"}.Profile("istio")
	if err != nil {
		t.Fatal(err)
	}
	why := NotRunReason(Preflight(context.Background(), p, image.Options{}))
	for _, ref := range []string{"127.0.0.1:1/istio/pilot:1.26.3", "127.0.0.1:1/istio/proxyv2:1.26.3"} {
		if !strings.Contains(why, ref) {
			t.Errorf("NOT RUN reason %q does not name %s", why, ref)
		}
	}
}

// Air-gapped (the default): the istio-proxy image is built with the stand-in from the source
// tree, so the preflight passes when its source is there and names istio-proxy when not.
func TestPreflightAirGappedNeedsTheStandInSource(t *testing.T) {
	src, err := imgbuild.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Selection{}.Profile("istio")
	if err != nil {
		t.Fatal(err)
	}
	if err := Preflight(context.Background(), p, image.Options{SourceDir: src}); err != nil {
		t.Fatalf("air-gapped preflight with the stand-in's source in %s = %v", src, err)
	}
	why := NotRunReason(Preflight(context.Background(), p, image.Options{SourceDir: t.TempDir()}))
	if !strings.Contains(why, "istio-proxy") || !strings.Contains(why, "envoy-standin") {
		t.Fatalf("without the stand-in's source: NOT RUN reason %q; want istio-proxy and the stand-in named", why)
	}
	// Profiles without a stand-in have nothing to check.
	m, _ := Get("manifests")
	if err := Preflight(context.Background(), m, image.Options{SourceDir: t.TempDir()}); err != nil {
		t.Fatalf("manifests preflight = %v", err)
	}
}

func TestSelectionAndVersions(t *testing.T) {
	p, err := Selection{Versions: map[string]string{"istio": "1.27.0-beta.1"}}.Profile("istio")
	if err != nil {
		t.Fatal(err)
	}
	dp := p.DataPlane()
	if dp.StandIn || !strings.Contains(dp.Proxy, "proxyv2 1.27.0-beta.1") || !strings.Contains(dp.Version, "docker.io/istio/proxyv2:1.27.0-beta.1") {
		t.Errorf("release data plane = %+v; want real Envoy (proxyv2 1.27.0-beta.1), not the stand-in", dp)
	}
	if air, _ := Get("istio"); !air.DataPlane().StandIn {
		t.Error("air-gapped istio must say stand-in")
	}
	imgs, err := p.Images(context.Background(), image.Options{})
	if err != nil || imgs["istiod"].Ref != "docker.io/istio/pilot:1.27.0-beta.1" || imgs["istio-proxy"].Archive != "" {
		t.Errorf("release images = %+v, %v; want docker.io/istio refs with no archive", imgs, err)
	}
	if _, err := (Selection{Versions: map[string]string{"envoy": "1.2.3"}}).Profile("envoy"); err == nil || !strings.Contains(err.Error(), "no registry mode") {
		t.Errorf("envoy at a release: %v; want no registry mode", err)
	}
	for _, c := range []struct {
		terms []string
		want  string
	}{
		{[]string{"istio=1.26"}, "not a release version"},
		{[]string{"istio=v1.26.3"}, "not a release version"},
		{[]string{"nosuch=1.26.3"}, `profile "nosuch": unknown`},
		{[]string{"envoy=1.26.3"}, "no registry mode"},
		{[]string{"1.26.3"}, "want PROFILE=VERSION"},
		{[]string{"istio=1.26.3", "istio=1.26.3"}, "given twice"},
	} {
		if _, err := ParseVersions(c.terms); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseVersions(%q) = %v; want %q", c.terms, err, c.want)
		}
	}
	if m, err := ParseVersions([]string{"istio=1.26.3", "istio=1.27.1"}); err != nil || len(m["istio"]) != 2 {
		t.Errorf("ParseVersions(two istio versions) = %v, %v", m, err)
	}
	for _, hub := range []string{"docker.io", "docker.io/istio/", "UPPER/x", ""} {
		if CheckHub(hub) == nil {
			t.Errorf("CheckHub(%q) accepted", hub)
		}
	}
	if err := CheckHub("mirror.example:5000/istio"); err != nil {
		t.Error(err)
	}
}
