package airgap

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/drainproof/drainproof/internal/image/gobuild"
)

const containerdConfigSample = `version = 2

[proxy_plugins]
[proxy_plugins."fuse-overlayfs"]
  type = "snapshot"
  address = "/run/containerd-fuse-overlayfs.sock"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  restrict_oom_score_adj = false
`

func TestPatchContainerdConfig(t *testing.T) {
	got, err := patchContainerdConfig(containerdConfigSample, "registry.k8s.io/pause:3.10.1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "fuse-overlayfs") || strings.Contains(got, "proxy_plugins") {
		t.Fatalf("proxy plugin left in:\n%s", got)
	}
	if !strings.Contains(got, "restrict_oom_score_adj = true") || strings.Contains(got, "restrict_oom_score_adj = false") {
		t.Fatalf("restrict_oom_score_adj not flipped:\n%s", got)
	}
	// A v1.35 node's kubeadm asks for pause 3.10.1; kind's file names 3.10, and the node has
	// no registry to pull it from: containerd must name the pause the image carries.
	if !strings.Contains(got, `  sandbox_image = "registry.k8s.io/pause:3.10.1"`+"\n") || strings.Contains(got, `pause:3.10"`) {
		t.Fatalf("sandbox_image not set to the node's pause:\n%s", got)
	}
	if _, err := patchContainerdConfig("version = 2\nrestrict_oom_score_adj = false\n", "p"); err == nil || !strings.Contains(err.Error(), "sandbox_image") {
		t.Fatalf("want an error naming the missing sandbox_image line, got %v", err)
	}
	if _, err := patchContainerdConfig("version = 2\n", "p"); err == nil {
		t.Fatal("want an error when the oom setting is not there to flip")
	}
}

func TestPatchRealKindConfig(t *testing.T) {
	// kind's own file, found the way the node image build finds it (the module
	// is a dependency of drainproof, so the proxy or the cache has it).
	dir, _, err := gobuild.ModuleInfo(context.Background(), t.TempDir(), "sigs.k8s.io/kind", DefaultVersions.Kind)
	if err != nil {
		t.Fatal(err)
	}
	matches := []string{filepath.Join(dir, "images/base/files/etc/containerd/config.toml")}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := patchContainerdConfig(string(b), DefaultVersions.PauseImage()); err != nil {
		t.Fatal(err)
	}
}

func TestCRIBaseSpecAddsHookDropsRlimits(t *testing.T) {
	in := `{"process":{"rlimits":[{"type":"RLIMIT_NOFILE"}],"cwd":"/"},"hooks":{"createContainer":[{"path":"/other"}]}}`
	out, err := criBaseSpec([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Process map[string]any `json:"process"`
		Hooks   struct {
			CreateContainer []struct{ Path string } `json:"createContainer"`
		} `json:"hooks"`
	}
	if err := json.Unmarshal(out, &spec); err != nil {
		t.Fatal(err)
	}
	if _, ok := spec.Process["rlimits"]; ok {
		t.Fatal("rlimits kept")
	}
	if spec.Process["cwd"] != "/" {
		t.Fatal("other process fields lost")
	}
	hs := spec.Hooks.CreateContainer
	if len(hs) != 2 || hs[0].Path != "/other" || hs[1].Path != "/kind/bin/mount-product-files.sh" {
		t.Fatalf("createContainer hooks = %+v", hs)
	}
	if _, err := criBaseSpec([]byte("not json")); err == nil {
		t.Fatal("want an error for bad input")
	}
}

func TestRenderManifestsUsesKindnetImage(t *testing.T) {
	cni, storage, err := renderManifests("docker.io/drainproof/kindnet-lite:k1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cni), "image: docker.io/drainproof/kindnet-lite:k1") {
		t.Fatalf("cni manifest not rendered:\n%s", cni)
	}
	// What kind does at cluster creation: the marker asks it to render the file with the pod
	// subnet, the one template action left after our build-time rendering.
	if !strings.Contains(string(cni), "would you kindly template this file") {
		t.Fatal("cni manifest lacks kind's template marker: kind would not pass POD_SUBNET")
	}
	tpl, err := template.New("cni").Parse(string(cni))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := tpl.Execute(&b, struct{ PodSubnet string }{"10.244.0.0/16"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "- name: POD_SUBNET\n          value: 10.244.0.0/16\n") || strings.Contains(b.String(), "{{") {
		t.Fatalf("cni manifest as kind renders it:\n%s", b.String())
	}
	if !strings.Contains(string(storage), "kind: StorageClass") {
		t.Fatalf("storage manifest:\n%s", storage)
	}
}
