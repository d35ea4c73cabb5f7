package airgap

import (
	"strings"
	"testing"
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

func TestToolsGoBlankImportsEveryPackage(t *testing.T) {
	w := WrapperModule{Packages: []string{"a.example/cmd/x", "b.example/y"}}
	got := string(w.ToolsGo())
	for _, want := range []string{"//go:build tools", "package tools", `_ "a.example/cmd/x"`, `_ "b.example/y"`} {
		if !strings.Contains(got, want) {
			t.Errorf("tools.go lacks %q:\n%s", want, got)
		}
	}
}

func TestThirdPartyToolsPinTheirVersions(t *testing.T) {
	for _, tool := range thirdPartyTools(DefaultVersions) {
		mod := string(tool.wrapper.GoMod())
		if len(tool.wrapper.Require) != 1 {
			t.Fatalf("%s: want exactly one required module, got %v", tool.name, tool.wrapper.Require)
		}
		for m, v := range tool.wrapper.Require {
			if !strings.Contains(mod, m+" "+v) || !strings.HasPrefix(v, "v") {
				t.Errorf("%s: go.mod does not pin %s %s:\n%s", tool.name, m, v, mod)
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

func TestToolKeyCoversOnlyItsOwnLocalSource(t *testing.T) {
	w := WrapperModule{Path: "drainproof.local/build/kubernetes", Go: "1.24.0",
		Require: map[string]string{"k8s.io/kubernetes": "v1.33.13"}, Packages: []string{"k8s.io/kubernetes/cmd/kubelet"},
		Files: map[string][]byte{"kindnet-lite/main.go": []byte("package main // v1")}}
	k8s := goTool{name: "kubernetes", wrapper: w, build: w.Packages}
	kindnet := goTool{name: "kindnet-lite", wrapper: w, build: []string{"./kindnet-lite"}}
	k1, n1 := k8s.key("go1.26"), kindnet.key("go1.26")
	w.Files = map[string][]byte{"kindnet-lite/main.go": []byte("package main // v2")}
	k8s.wrapper, kindnet.wrapper = w, w
	if k8s.key("go1.26") != k1 {
		t.Fatal("editing kindnet-lite changed the Kubernetes binaries' key (would relink them all)")
	}
	if kindnet.key("go1.26") == n1 {
		t.Fatal("editing kindnet-lite did not change its own key")
	}
	if kindnet.key("go1.27") == kindnet.key("go1.26") {
		t.Fatal("the Go version is not part of the key")
	}
	if got := kindnet.binaries(); len(got) != 1 || got[0] != "kindnet-lite" {
		t.Fatalf("binaries = %v", got)
	}
}

func TestCoreDNSIsOurSlimMain(t *testing.T) {
	var coredns goTool
	for _, tool := range thirdPartyTools(DefaultVersions) {
		if tool.name == "coredns" {
			coredns = tool
		}
	}
	main := string(coredns.wrapper.Files["main.go"])
	for _, want := range []string{"coremain.Run()", "plugin/kubernetes", "plugin/forward", "plugin/cache", "plugin/metrics", "plugin/loop", "plugin/reload", "plugin/health", "plugin/ready", "plugin/errors", "plugin/loadbalance"} {
		if !strings.Contains(main, want) {
			t.Errorf("coredns main lacks %s (kubeadm's Corefile needs it)", want)
		}
	}
	if coredns.wrapper.ToolsGo() != nil || coredns.binaries()[0] != "coredns" {
		t.Fatalf("coredns builds %v with tools.go %q", coredns.packages(), coredns.wrapper.ToolsGo())
	}
}
