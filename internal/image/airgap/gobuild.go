package airgap

import (
	"context"
	"strings"

	"github.com/drainproof/drainproof/internal/image/gobuild"
)

// buildTool builds t into <cache>/bin/<name>-<key>/ unless already there (gobuild.Tool.Ensure),
// and records that this key is in use (others are pruned after the build).
func (b *builder) buildTool(ctx context.Context, t gobuild.Tool) (dir string, cached bool, err error) {
	b.usedBin(t.Name, t.Key(b.goVersion))
	return t.Ensure(ctx, b.cache, b.goVersion)
}

// buildOwn builds main packages of the drainproof module itself (pause, kindnet-lite, ...) into
// <cache>/bin/<name>-<key>/, keyed by their source (gobuild.Own).
func (b *builder) buildOwn(ctx context.Context, name string, pkgs ...string) (dir string, cached bool, err error) {
	dir, key, cached, err := gobuild.Own{Name: name, Src: b.src, Packages: pkgs}.Ensure(ctx, b.cache, b.goVersion)
	if err == nil {
		b.usedBin(name, key)
	}
	return dir, cached, err
}

// kubernetesLDFlags stamps the version into the binaries the way the release build does
// (kubeadm checks it against the cluster config; kubectl and kubelet report it).
func kubernetesLDFlags(v Versions) string {
	f := []string{"-s", "-w"}
	for _, p := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		for _, kv := range []string{
			"gitVersion=v" + v.Kubernetes, "gitMajor=1", "gitMinor=" + v.Minor(),
			"gitCommit=0000000000000000000000000000000000000000", "gitTreeState=clean",
			"buildDate=2026-01-01T00:00:00Z",
		} {
			f = append(f, "-X", p+"."+kv)
		}
	}
	return strings.Join(f, " ")
}

// corednsWrapper builds our slim CoreDNS main (see corednsMain) instead of upstream's.
func corednsWrapper(w gobuild.WrapperModule) gobuild.WrapperModule {
	w.Files = map[string][]byte{"main.go": []byte(corednsMain)}
	w.Local = []string{"."}
	return w
}

// kubernetesPackages are the Kubernetes programs the node image and its images need.
var kubernetesPackages = []string{
	"k8s.io/kubernetes/cmd/kubeadm", "k8s.io/kubernetes/cmd/kubelet", "k8s.io/kubernetes/cmd/kubectl",
	"k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kube-controller-manager",
	"k8s.io/kubernetes/cmd/kube-scheduler", "k8s.io/kubernetes/cmd/kube-proxy",
}

// thirdPartyTools are etcd, coredns, the CNI plugins and crictl, each through its own wrapper
// module (their dependency graphs would fight in one module).
func thirdPartyTools(v Versions) []gobuild.Tool {
	wrap := func(name, mod, ver string, pkgs ...string) gobuild.WrapperModule {
		return gobuild.WrapperModule{Path: "drainproof.local/build/" + name, Go: "1.24", Require: map[string]string{mod: ver}, Packages: pkgs}
	}
	cni := "github.com/containernetworking/plugins/plugins/"
	return []gobuild.Tool{
		{Name: "etcd", Wrapper: wrap("etcd", "go.etcd.io/etcd/server/v3", "v"+v.Etcd, "go.etcd.io/etcd/server/v3"),
			LDFlags: "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=drainproof", Binary: "etcd"},
		{Name: "coredns", Wrapper: corednsWrapper(wrap("coredns", "github.com/coredns/coredns", "v"+v.CoreDNS)),
			LDFlags: "-s -w", Binary: "coredns"},
		{Name: "cni-plugins", Wrapper: wrap("cni-plugins", "github.com/containernetworking/plugins", v.CNIPlugins,
			cni+"main/ptp", cni+"main/bridge", cni+"main/loopback", cni+"ipam/host-local", cni+"meta/portmap"),
			LDFlags: "-s -w"},
		{Name: "crictl", Wrapper: wrap("crictl", "sigs.k8s.io/cri-tools", v.Crictl, "sigs.k8s.io/cri-tools/cmd/crictl"),
			LDFlags: "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=" + v.Crictl},
	}
}
