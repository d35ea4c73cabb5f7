package profile

import (
	"strings"
	"testing"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// Install takes the build's images as built (kind) or as pushed to a registry (an existing
// cluster: same name and tag under the registry's repository), and nothing else.
func TestForInstallTakesBuiltOrDeliveredRefs(t *testing.T) {
	var l lastBuild[imgbuild.Archived]
	want := func(a *imgbuild.Archived) map[string]*imgbuild.Archived {
		return map[string]*imgbuild.Archived{"istiod": a}
	}
	if _, err := l.forInstall("istio", map[string]string{"istiod": "drainproof/istiod:abc"}, want); err == nil || !strings.Contains(err.Error(), "Install before Images") {
		t.Fatalf("before Images: %v", err)
	}
	l.set(&imgbuild.Archived{Ref: "drainproof/istiod:abc"})
	for ref, ok := range map[string]bool{
		"drainproof/istiod:abc":              true,
		"172.18.0.1:5000/dp-test/istiod:abc": true, // registry.Push
		"reg.example/a/b/istiod:abc":         true,
		"172.18.0.1:5000/dp-test/istiod:xyz": false, // another build
		"172.18.0.1:5000/dp-test/pilot:abc":  false, // another image
		"istiod:abc":                         false, // a Docker Hub library name, not ours
		"":                                   false,
	} {
		_, err := l.forInstall("istio", map[string]string{"istiod": ref}, want)
		if (err == nil) != ok {
			t.Errorf("table istiod=%q: error %v, want accepted=%v", ref, err, ok)
		}
	}
}
