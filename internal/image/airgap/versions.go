package airgap

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Versions pins every third-party input of the node image.
type Versions struct {
	Kubernetes string // 1.33.13: the newest patch whose k8s.io staging modules are all on the proxy
	Etcd       string // what kubeadm of that release asks for (image tag Etcd+"-0")
	CoreDNS    string
	CNIPlugins string // same as kind v0.33's base image
	Crictl     string // same as kind v0.33's base image
	Pause      string // sandbox image tag (kind's containerd config and kubeadm agree on it)
	Kind       string // the sigs.k8s.io/kind module the base-image files come from
	Debian     string // Debian suite of the node OS (systemd, containerd, runc from Debian)
}

// DefaultVersions are the versions the recipe proved on this kind of machine.
var DefaultVersions = Versions{
	Kubernetes: "1.33.13",
	Etcd:       "3.5.24",
	CoreDNS:    "1.12.0",
	CNIPlugins: "v1.9.1",
	Crictl:     "v1.36.0",
	Pause:      "3.10",
	Kind:       "v0.33.0",
	Debian:     "bookworm",
}

// minorComponents are, per Kubernetes minor, the etcd, CoreDNS and pause versions its kubeadm
// asks for (cmd/kubeadm/app/constants: DefaultEtcdVersion, CoreDNSVersion, PauseVersion; the
// build checks them against `kubeadm config images list`). Each etcd and CoreDNS release here is
// on the module proxy.
var minorComponents = map[string]struct{ Etcd, CoreDNS, Pause string }{
	"33": {"3.5.24", "1.12.0", "3.10"},
	"34": {"3.6.5", "1.12.1", "3.10.1"},
	"35": {"3.6.6", "1.13.1", "3.10.1"},
	"36": {"3.6.8", "1.14.2", "3.10.2"},
}

// ForKubernetes returns the versions of a node image for Kubernetes version k ("v1.35.4" or
// "1.35.4"): DefaultVersions with Kubernetes and the components its kubeadm wants. A malformed
// version or a minor with no known components is an error naming both. Whether the proxy serves
// the release's staging modules is only known when building (see BuildNodeImage).
func ForKubernetes(k string) (Versions, error) {
	v := DefaultVersions
	v.Kubernetes = strings.TrimPrefix(k, "v")
	if !kubernetesVersion.MatchString(v.Kubernetes) {
		return Versions{}, fmt.Errorf("kubernetes version %q: want vMAJOR.MINOR.PATCH, e.g. v%s", k, DefaultVersions.Kubernetes)
	}
	c, ok := minorComponents[v.Minor()]
	if !ok {
		return Versions{}, fmt.Errorf("kubernetes version %q: no component versions known for 1.%s (known minors: %s)",
			k, v.Minor(), strings.Join(KnownMinors(), ", "))
	}
	v.Etcd, v.CoreDNS, v.Pause = c.Etcd, c.CoreDNS, c.Pause
	return v, nil
}

// KnownMinors lists the Kubernetes minors ForKubernetes knows ("1.33", ...), sorted.
func KnownMinors() []string {
	var out []string
	for m := range minorComponents {
		out = append(out, "1."+m)
	}
	sort.Strings(out)
	return out
}

var kubernetesVersion = regexp.MustCompile(`^1\.[0-9]+\.[0-9]+$`)

// FailCgroupV1Default reports whether this release's kubelet refuses to start on a cgroup v1
// host unless told otherwise (failCgroupV1 defaults to true from 1.35 on). This machine's docker
// runs cgroup v1, so such node images start the kubelet with --fail-cgroupv1=false.
func (v Versions) FailCgroupV1Default() bool {
	m, err := strconv.Atoi(v.Minor())
	return err == nil && m >= 35
}

// StagingVersion is the version of the published k8s.io staging modules matching Kubernetes
// (1.33.13 -> v0.33.13).
func (v Versions) StagingVersion() (string, error) {
	major, rest, ok := strings.Cut(v.Kubernetes, ".")
	if !ok || major != "1" || !strings.Contains(rest, ".") {
		return "", fmt.Errorf("kubernetes version %q: want 1.MINOR.PATCH", v.Kubernetes)
	}
	return "v0." + rest, nil
}

// Minor is the Kubernetes minor version ("33").
func (v Versions) Minor() string {
	parts := strings.Split(v.Kubernetes, ".")
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}

// String lists the versions, for cache keys and logs.
func (v Versions) String() string {
	return fmt.Sprintf("kubernetes=%s etcd=%s coredns=%s cni=%s crictl=%s pause=%s kind=%s debian=%s",
		v.Kubernetes, v.Etcd, v.CoreDNS, v.CNIPlugins, v.Crictl, v.Pause, v.Kind, v.Debian)
}

// Image references kubeadm asks for (`kubeadm config images list`), plus our CNI daemon.
func (v Versions) APIServerImage() string { return "registry.k8s.io/kube-apiserver:v" + v.Kubernetes }
func (v Versions) ControllerManagerImage() string {
	return "registry.k8s.io/kube-controller-manager:v" + v.Kubernetes
}
func (v Versions) SchedulerImage() string { return "registry.k8s.io/kube-scheduler:v" + v.Kubernetes }
func (v Versions) ProxyImage() string     { return "registry.k8s.io/kube-proxy:v" + v.Kubernetes }
func (v Versions) EtcdImage() string      { return "registry.k8s.io/etcd:" + v.Etcd + "-0" }
func (v Versions) CoreDNSImage() string   { return "registry.k8s.io/coredns/coredns:v" + v.CoreDNS }
func (v Versions) PauseImage() string     { return "registry.k8s.io/pause:" + v.Pause }

// KubeadmImages are the images kubeadm needs, in `kubeadm config images list` order.
func (v Versions) KubeadmImages() []string {
	return []string{v.APIServerImage(), v.ControllerManagerImage(), v.SchedulerImage(), v.ProxyImage(),
		v.CoreDNSImage(), v.PauseImage(), v.EtcdImage()}
}

// KindnetImage is the reference of our kindnet-lite image; tag is its content key.
func KindnetImage(tag string) string { return "docker.io/drainproof/kindnet-lite:" + tag }

// BaseImage and NodeImage are the docker image references of the built images; key is the
// cache key of their inputs, so a changed input gives a new tag and the old image is not reused.
func BaseImage(v Versions, key string) string { return "drainproof/base:" + v.Debian + "-" + key }
func NodeImage(v Versions, key string) string {
	return "drainproof/node:v" + v.Kubernetes + "-" + key
}

// CheckKubeadmImages compares `kubeadm config images list` output with the images we build and
// names any image kubeadm wants that we do not make (a version bump that forgot a component).
func (v Versions) CheckKubeadmImages(kubeadmList string) error {
	have := map[string]bool{}
	for _, r := range v.KubeadmImages() {
		have[r] = true
	}
	var missing []string
	for _, want := range strings.Fields(kubeadmList) {
		if !have[want] {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("kubeadm v%s wants images this build does not make: %s (adjust airgap.Versions: %s)",
			v.Kubernetes, strings.Join(missing, ", "), v)
	}
	return nil
}
