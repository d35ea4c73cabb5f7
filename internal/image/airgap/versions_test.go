package airgap

import (
	"strings"
	"testing"
)

func TestStagingVersion(t *testing.T) {
	got, err := DefaultVersions.StagingVersion()
	if err != nil || got != "v0.33.13" {
		t.Fatalf("StagingVersion = %q, %v; want v0.33.13", got, err)
	}
	bad := DefaultVersions
	bad.Kubernetes = "v1.33"
	if _, err := bad.StagingVersion(); err == nil {
		t.Fatal("want an error for a malformed kubernetes version")
	}
}

// kubeadmV13313 is what `kubeadm config images list --kubernetes-version v1.33.13` printed.
const kubeadmV13313 = `registry.k8s.io/kube-apiserver:v1.33.13
registry.k8s.io/kube-controller-manager:v1.33.13
registry.k8s.io/kube-scheduler:v1.33.13
registry.k8s.io/kube-proxy:v1.33.13
registry.k8s.io/coredns/coredns:v1.12.0
registry.k8s.io/pause:3.10
registry.k8s.io/etcd:3.5.24-0
`

func TestImageNamesMatchKubeadm(t *testing.T) {
	if err := DefaultVersions.CheckKubeadmImages(kubeadmV13313); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(DefaultVersions.KubeadmImages(), "\n") + "\n"; got != kubeadmV13313 {
		t.Fatalf("KubeadmImages:\n%s\nwant:\n%s", got, kubeadmV13313)
	}
	old := DefaultVersions
	old.Etcd = "3.5.21"
	err := old.CheckKubeadmImages(kubeadmV13313)
	if err == nil || !strings.Contains(err.Error(), "registry.k8s.io/etcd:3.5.24-0") {
		t.Fatalf("want an error naming the etcd image kubeadm wants, got %v", err)
	}
}

func TestImageRefsAreTaggedByKey(t *testing.T) {
	if got := NodeImage(DefaultVersions, "abc123"); got != "drainproof/node:v1.33.13-abc123" {
		t.Fatalf("NodeImage = %s", got)
	}
	if got := BaseImage(DefaultVersions, "abc123"); got != "drainproof/base:bookworm-abc123" {
		t.Fatalf("BaseImage = %s", got)
	}
	if got := KindnetImage("k1"); got != "docker.io/drainproof/kindnet-lite:k1" {
		t.Fatalf("KindnetImage = %s", got)
	}
}
