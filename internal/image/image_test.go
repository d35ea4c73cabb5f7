package image

import (
	"context"
	"strings"
	"testing"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

func TestRefsAndArchiveTags(t *testing.T) {
	if got := FixturesRef("0123abcd4567"); got != "drainproof/fixtures:0123abcd4567" {
		t.Fatalf("FixturesRef = %s", got)
	}
	if got := GatewayRef("bookworm", "k"); got != "drainproof/gateway:bookworm-k" {
		t.Fatalf("GatewayRef = %s", got)
	}
	for in, want := range map[string]string{
		"drainproof/fixtures:k":           "docker.io/drainproof/fixtures:k",
		"docker.io/drainproof/fixtures:k": "docker.io/drainproof/fixtures:k",
		"registry.k8s.io/pause:3.10":      "registry.k8s.io/pause:3.10",
		"localhost:5000/x:1":              "localhost:5000/x:1",
	} {
		if got := archiveTag(in); got != want {
			t.Errorf("archiveTag(%s) = %s, want %s", in, got, want)
		}
		if _, err := imgbuild.ParseRef(archiveTag(in)); err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
}

func TestFixturePackagesFindsMainPackages(t *testing.T) {
	root, err := imgbuild.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := FixturePackages(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, p := range pkgs {
		if !strings.HasPrefix(p, imgbuild.ModulePath+"/fixtures/") {
			t.Errorf("not a fixture package: %s", p)
		}
		found[p] = true
	}
	// The L4 Envoy stand-in ships in the fixtures image (/usr/local/bin/envoy-standin); its
	// Istio contract module is nested and never built into an image.
	if !found[imgbuild.ModulePath+"/fixtures/envoy-standin"] {
		t.Errorf("fixtures/envoy-standin is not a fixture program: %v", pkgs)
	}
	if _, err := FixturePackages(context.Background(), t.TempDir()); err == nil {
		t.Fatal("a tree without fixtures gave no error")
	}
}

func TestOnGatewayNeedsFilesAndTheirKey(t *testing.T) {
	for _, tc := range []struct {
		key   string
		files map[string]string
	}{{"", map[string]string{"/usr/local/bin/x": "/bin/true"}}, {"k", nil}} {
		if _, err := OnGateway(context.Background(), Options{CacheDir: t.TempDir()}, "drainproof/x", tc.key, tc.files); err == nil || !strings.Contains(err.Error(), "image drainproof/x: no files") {
			t.Errorf("key %q files %v: err = %v", tc.key, tc.files, err)
		}
	}
}
