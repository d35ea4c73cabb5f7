package airgap

import (
	"strings"
	"testing"

	"github.com/drainproof/drainproof/internal/image/gobuild"
)

const k8sGoModSample = `module k8s.io/kubernetes

go 1.24.0

require (
	k8s.io/api v0.0.0
	github.com/spf13/cobra v1.8.1
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	github.com/example/fork => github.com/example/fork v1.0.0
)

replace k8s.io/kubelet => ./staging/src/k8s.io/kubelet
`

func TestKubernetesWrapperReplacesOnlyStagingModules(t *testing.T) {
	w, err := KubernetesWrapper([]byte(k8sGoModSample), "1.33.13", "v0.33.13", []string{"k8s.io/kubernetes/cmd/kubeadm"})
	if err != nil {
		t.Fatal(err)
	}
	got := string(w.GoMod())
	want := `module drainproof.local/build/kubernetes

go 1.24.0

require (
	k8s.io/kubernetes v1.33.13
)

replace (
	k8s.io/api => k8s.io/api v0.33.13
	k8s.io/client-go => k8s.io/client-go v0.33.13
	k8s.io/kubelet => k8s.io/kubelet v0.33.13
)
`
	if got != want {
		t.Fatalf("go.mod:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(got, "example/fork") {
		t.Fatal("a non-staging replace leaked into the wrapper")
	}
}

func TestKubernetesWrapperRejectsOtherModules(t *testing.T) {
	if _, err := KubernetesWrapper([]byte("module x\n\ngo 1.22\n"), "1.33.13", "v0.33.13", nil); err == nil ||
		!strings.Contains(err.Error(), "staging") {
		t.Fatalf("want an error about missing staging replaces, got %v", err)
	}
	if _, err := KubernetesWrapper([]byte("module x\n"), "1.33.13", "v0.33.13", nil); err == nil ||
		!strings.Contains(err.Error(), "go directive") {
		t.Fatalf("want an error about the go directive, got %v", err)
	}
}

func TestThirdPartyToolsPinTheirVersions(t *testing.T) {
	for _, tool := range thirdPartyTools(DefaultVersions) {
		mod := string(tool.Wrapper.GoMod())
		if len(tool.Wrapper.Require) != 1 {
			t.Fatalf("%s: want exactly one required module, got %v", tool.Name, tool.Wrapper.Require)
		}
		for m, v := range tool.Wrapper.Require {
			if !strings.Contains(mod, m+" "+v) || !strings.HasPrefix(v, "v") {
				t.Errorf("%s: go.mod does not pin %s %s:\n%s", tool.Name, m, v, mod)
			}
		}
	}
}

func TestKubernetesLDFlagsStampVersion(t *testing.T) {
	f := kubernetesLDFlags(DefaultVersions)
	for _, want := range []string{
		"-X k8s.io/component-base/version.gitVersion=v1.33.13",
		"-X k8s.io/client-go/pkg/version.gitMinor=33",
		"-X k8s.io/component-base/version.gitTreeState=clean",
	} {
		if !strings.Contains(f, want) {
			t.Errorf("ldflags lack %q: %s", want, f)
		}
	}
}

func TestCoreDNSIsOurSlimMain(t *testing.T) {
	var coredns gobuild.Tool
	for _, tool := range thirdPartyTools(DefaultVersions) {
		if tool.Name == "coredns" {
			coredns = tool
		}
	}
	main := string(coredns.Wrapper.Files["main.go"])
	for _, want := range []string{"coremain.Run()", "plugin/kubernetes", "plugin/forward", "plugin/cache", "plugin/metrics", "plugin/loop", "plugin/reload", "plugin/health", "plugin/ready", "plugin/errors", "plugin/loadbalance"} {
		if !strings.Contains(main, want) {
			t.Errorf("coredns main lacks %s (kubeadm's Corefile needs it)", want)
		}
	}
	if coredns.Wrapper.ToolsGo() != nil || coredns.Binaries()[0] != "coredns" {
		t.Fatalf("coredns builds %v with tools.go %q", coredns.Packages(), coredns.Wrapper.ToolsGo())
	}
}
