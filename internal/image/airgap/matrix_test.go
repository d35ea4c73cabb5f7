package airgap

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/image/gobuild"
)

func TestForKubernetesPicksTheMinorsComponents(t *testing.T) {
	v, err := ForKubernetes("v1.35.4")
	if err != nil {
		t.Fatal(err)
	}
	if v.Kubernetes != "1.35.4" || v.Etcd != "3.6.6" || v.CoreDNS != "1.13.1" || v.Pause != "3.10.1" {
		t.Fatalf("ForKubernetes(v1.35.4) = %s", v)
	}
	if v.CNIPlugins != DefaultVersions.CNIPlugins || v.Kind != DefaultVersions.Kind || v.Debian != DefaultVersions.Debian {
		t.Fatalf("ForKubernetes changed a version that does not depend on Kubernetes: %s", v)
	}
	if s, _ := v.StagingVersion(); s != "v0.35.4" {
		t.Fatalf("staging version %q", s)
	}
	if !v.FailCgroupV1Default() || DefaultVersions.FailCgroupV1Default() {
		t.Fatal("failCgroupV1 defaults to true from 1.35 on, not before")
	}
	d, err := ForKubernetes("1.33.13")
	if err != nil || d != DefaultVersions {
		t.Fatalf("ForKubernetes(1.33.13) = %s, %v; want DefaultVersions", d, err)
	}
	if NodeImage(v, "k") == NodeImage(d, "k") {
		t.Fatal("two Kubernetes versions share a node image reference")
	}
}

func TestForKubernetesNamesBadVersions(t *testing.T) {
	for in, want := range map[string]string{
		"1.35":      "want vMAJOR.MINOR.PATCH",
		"v1.35.x":   "want vMAJOR.MINOR.PATCH",
		"2.0.0":     "want vMAJOR.MINOR.PATCH",
		"v1.37.2":   "no component versions known for 1.37",
		"":          "want vMAJOR.MINOR.PATCH",
		"v1.35.4-1": "want vMAJOR.MINOR.PATCH",
	} {
		_, err := ForKubernetes(in)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `"`+in+`"`) {
			t.Errorf("ForKubernetes(%q) = %v; want an error naming it and %q", in, err, want)
		}
	}
}

func TestRefusedErrorNamesTheModule(t *testing.T) {
	if refusedError("1.35.4", nil) != nil {
		t.Fatal("nothing refused must be no error")
	}
	err := refusedError("1.34.4", []gobuild.Refused{
		{Module: "k8s.io/sample-cli-plugin@v0.34.4", Reason: "not found: 404"},
		{Module: "k8s.io/sample-controller@v0.34.4", Reason: "not found: 404"},
	})
	for _, want := range []string{"kubernetes v1.34.4 cannot be built here", "refused k8s.io/sample-cli-plugin@v0.34.4: not found: 404", "also refused: k8s.io/sample-controller@v0.34.4"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestKubeletDefaultsAddsFailCgroupV1(t *testing.T) {
	for in, want := range map[string]string{
		"KUBELET_EXTRA_ARGS=--runtime-cgroups=/system.slice/containerd.service": "KUBELET_EXTRA_ARGS=--runtime-cgroups=/system.slice/containerd.service --fail-cgroupv1=false\n",
		"# comment\n":              "# comment\nKUBELET_EXTRA_ARGS=--fail-cgroupv1=false\n",
		"":                         "KUBELET_EXTRA_ARGS=--fail-cgroupv1=false\n",
		"A=1\nKUBELET_EXTRA_ARGS=": "A=1\nKUBELET_EXTRA_ARGS= --fail-cgroupv1=false\n",
	} {
		if got := string(kubeletDefaults([]byte(in))); got != want {
			t.Errorf("kubeletDefaults(%q) = %q, want %q", in, got, want)
		}
	}
}

// Pruning keeps, per Kubernetes version (and per Debian suite for base images), the current
// image and the most recently used other one; another version's images are never pruned for it.
func TestPruneImagesKeepsEveryVersion(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	imgs := []builtImage{
		{Ref: "drainproof/node:v1.33.13-aaa", Used: t0},
		{Ref: "drainproof/node:v1.33.13-bbb", Used: t0.Add(time.Hour)},
		{Ref: "drainproof/node:v1.33.13-ccc"}, // never marked (an older checkout's)
		{Ref: "drainproof/node:v1.33.13-cur"},
		{Ref: "drainproof/node:v1.35.4-old", Used: t0},
		{Ref: "drainproof/node:v1.35.4-older"},
		{Ref: "drainproof/base:bookworm-b1"},
		{Ref: "drainproof/base:bookworm-b2", Used: t0},
	}
	current := map[string]bool{"drainproof/node:v1.33.13-cur": true, "drainproof/base:bookworm-b1": true}
	remove, keep := pruneImages(current, imgs)
	slices.Sort(remove)
	slices.Sort(keep)
	if want := []string{"drainproof/node:v1.33.13-aaa", "drainproof/node:v1.33.13-ccc", "drainproof/node:v1.35.4-older"}; !slices.Equal(remove, want) {
		t.Errorf("remove = %v, want %v", remove, want)
	}
	if want := []string{"b1", "b2", "bbb", "cur", "old"}; !slices.Equal(keep, want) {
		t.Errorf("keep keys = %v, want %v", keep, want)
	}
}

func TestEachKubernetesVersionHasItsOwnCacheDir(t *testing.T) {
	v, _ := ForKubernetes("v1.35.4")
	if CacheDirName(DefaultVersions) != "airgap" || CacheDirName(v) != "airgap-v1.35.4" {
		t.Fatalf("cache dirs %q, %q", CacheDirName(DefaultVersions), CacheDirName(v))
	}
}

func TestRequiredModulesReadsBothForms(t *testing.T) {
	goMod := []byte("module k8s.io/kubernetes\n\ngo 1.25.0\n\nrequire (\n\tk8s.io/api v0.0.0\n\tgithub.com/x/y v1.2.3 // indirect\n)\n\nrequire k8s.io/kubelet v0.0.0\n\nreplace (\n\tk8s.io/api => ./staging/src/k8s.io/api\n\tk8s.io/sample-cli-plugin => ./staging/src/k8s.io/sample-cli-plugin\n)\n")
	got := requiredModules(goMod)
	if !got["k8s.io/api"] || !got["github.com/x/y"] || !got["k8s.io/kubelet"] || got["k8s.io/sample-cli-plugin"] || len(got) != 3 {
		t.Fatalf("requiredModules = %v", got)
	}
}
