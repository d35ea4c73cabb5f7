package airgap

import (
	"fmt"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// binaries locates every built program by name.
type binaries struct {
	k8s, kindnet, etcd, coredns, cni, crictl, own string // directories
}

func (b binaries) k(name string) string { return filepath.Join(b.k8s, name) }

// scratchImage is a FROM-scratch image holding one static binary.
func scratchImage(bin, dst string, entrypoint ...string) (v1.Image, error) {
	l, err := imgbuild.NewLayer([]imgbuild.Entry{imgbuild.File(dst, bin, 0o755)})
	if err != nil {
		return nil, err
	}
	return imgbuild.NewImage(imgbuild.Config{Entrypoint: entrypoint}, l)
}

// componentImages builds, in-process, every image the node's containerd must hold before
// kubeadm runs, named exactly as `kubeadm config images list` prints them, plus kindnet-lite.
func componentImages(v Versions, b binaries, tree, kindnetRef string) (map[string]v1.Image, error) {
	imgs := map[string]v1.Image{}
	add := func(ref string, img v1.Image, err error) error {
		if err != nil {
			return fmt.Errorf("image %s: %w", ref, err)
		}
		imgs[ref] = img
		return nil
	}
	// kubeadm's static pod manifests give the full command, so these need no entrypoint.
	for ref, bin := range map[string]string{
		v.APIServerImage():         b.k("kube-apiserver"),
		v.ControllerManagerImage(): b.k("kube-controller-manager"),
		v.SchedulerImage():         b.k("kube-scheduler"),
		v.EtcdImage():              filepath.Join(b.etcd, "etcd"),
	} {
		img, err := scratchImage(bin, "/usr/local/bin/"+filepath.Base(bin))
		if err := add(ref, img, err); err != nil {
			return nil, err
		}
	}
	img, err := scratchImage(filepath.Join(b.coredns, "coredns"), "/coredns", "/coredns")
	if err := add(v.CoreDNSImage(), img, err); err != nil {
		return nil, err
	}
	img, err = scratchImage(filepath.Join(b.own, "pause"), "/pause", "/pause")
	if err := add(v.PauseImage(), img, err); err != nil {
		return nil, err
	}
	img, err = scratchImage(filepath.Join(b.kindnet, "kindnet-lite"), "/bin/kindnet-lite", "/bin/kindnet-lite")
	if err := add(kindnetRef, img, err); err != nil {
		return nil, err
	}
	es, err := kubeProxyEntries(tree, b.k("kube-proxy"), filepath.Join(b.own, "iptables-wrapper"))
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", v.ProxyImage(), err)
	}
	l, err := imgbuild.NewLayer(es)
	if err == nil {
		img, err = imgbuild.NewImage(imgbuild.Config{}, l)
	}
	if err := add(v.ProxyImage(), img, err); err != nil {
		return nil, err
	}
	return imgs, nil
}
