package airgap

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

//go:embed manifests/*.yaml
var manifests embed.FS

// renderManifests returns /kind/manifests/default-cni.yaml and default-storage.yaml.
func renderManifests(kindnetRef string) (cni, storage []byte, err error) {
	t, err := template.ParseFS(manifests, "manifests/default-cni.yaml")
	if err != nil {
		return nil, nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, struct{ KindnetImage string }{kindnetRef}); err != nil {
		return nil, nil, err
	}
	storage, err = manifests.ReadFile("manifests/default-storage.yaml")
	return b.Bytes(), storage, err
}

// nodeFileEntries is what `kind build node-image` adds to a base image: the Kubernetes node
// binaries, crictl, the CNI plugins, /kind/version and /kind/manifests.
// From Kubernetes 1.35 on it also overrides /etc/default/kubelet (kind's, from the node OS tree)
// so the kubelet starts on this machine's cgroup v1 (see Versions.FailCgroupV1Default).
func nodeFileEntries(v Versions, b binaries, kindnetRef, tree string) ([]imgbuild.Entry, error) {
	cni, storage, err := renderManifests(kindnetRef)
	if err != nil {
		return nil, err
	}
	var extra []imgbuild.Entry
	if v.FailCgroupV1Default() {
		kindDefaults, err := os.ReadFile(filepath.Join(tree, "etc", "default", "kubelet"))
		if err != nil {
			return nil, fmt.Errorf("kind's /etc/default/kubelet in the node tree: %w", err)
		}
		extra = append(extra, imgbuild.Bytes("/etc/default/kubelet", kubeletDefaults(kindDefaults), 0o644))
	}
	es := []imgbuild.Entry{
		imgbuild.File("/usr/bin/kubeadm", b.k("kubeadm"), 0o755),
		imgbuild.File("/usr/bin/kubelet", b.k("kubelet"), 0o755),
		imgbuild.File("/usr/bin/kubectl", b.k("kubectl"), 0o755),
		imgbuild.File("/usr/local/bin/crictl", filepath.Join(b.crictl, "crictl"), 0o755),
		imgbuild.Bytes("/kind/version", []byte("v"+v.Kubernetes), 0o644),
		imgbuild.Bytes("/kind/manifests/default-cni.yaml", cni, 0o644),
		imgbuild.Bytes("/kind/manifests/default-storage.yaml", storage, 0o644),
	}
	for _, p := range []string{"ptp", "bridge", "loopback", "host-local", "portmap"} {
		es = append(es, imgbuild.File("/opt/cni/bin/"+p, filepath.Join(b.cni, p), 0o755))
	}
	return append(es, extra...), nil
}

// kubeletDefaults appends --fail-cgroupv1=false to the KUBELET_EXTRA_ARGS line of kind's
// /etc/default/kubelet (adding the line when there is none).
func kubeletDefaults(kind []byte) []byte {
	const flag = "--fail-cgroupv1=false"
	lines := strings.Split(strings.TrimRight(string(kind), "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "KUBELET_EXTRA_ARGS=") {
			lines[i] = strings.TrimRight(l, " ") + " " + flag
			return []byte(strings.Join(lines, "\n") + "\n")
		}
	}
	if len(lines) == 1 && lines[0] == "" {
		lines = nil
	}
	return []byte(strings.Join(append(lines, "KUBELET_EXTRA_ARGS="+flag), "\n") + "\n")
}

// preimport fills stateDir/var/lib/containerd with the images in archive, using the node's own
// containerd (run from the base image in docker: the only way to get exactly the node's
// containerd metadata format without a registry). Images are imported unpacked-lazily
// (--no-unpack, as kind does) and pinned so kubelet's image GC never removes them.
func preimport(ctx context.Context, baseRef, archive, stateDir string, refs []string) error {
	if err := os.RemoveAll(stateDir); err != nil {
		return err
	}
	lib := filepath.Join(stateDir, "var", "lib", "containerd")
	if err := os.MkdirAll(lib, 0o711); err != nil {
		return err
	}
	name := fmt.Sprintf("drainproof-preimport-%d", os.Getpid())
	_, _ = imgbuild.Docker(ctx, "rm", "-f", name)
	// --stop-signal: the base image's STOPSIGNAL is systemd's SIGRTMIN+3, which containerd ignores.
	if _, err := imgbuild.Docker(ctx, "run", "-d", "--name", name, "--entrypoint", "containerd", "--stop-signal", "SIGTERM",
		"-v", lib+":/var/lib/containerd", "-v", archive+":/images.tar:ro", baseRef); err != nil {
		return err
	}
	defer func() { _, _ = imgbuild.Docker(context.Background(), "rm", "-f", name) }()
	if err := waitFor(ctx, 60*time.Second, "containerd in "+name, func() error {
		_, err := imgbuild.Docker(ctx, "exec", name, "ctr", "version")
		if err != nil {
			if st, _ := imgbuild.Docker(ctx, "inspect", "--format", "{{.State.Running}}", name); strings.TrimSpace(st) == "false" {
				logs, _ := imgbuild.Run(ctx, nil, "sh", "-c", "docker logs --tail 20 "+name+" 2>&1")
				return stopWaiting{fmt.Errorf("containerd exited in %s: %s", name, strings.TrimSpace(logs))}
			}
		}
		return err
	}); err != nil {
		return err
	}
	if _, err := imgbuild.Docker(ctx, "exec", name, "ctr", "--namespace=k8s.io", "images", "import",
		"--all-platforms", "--no-unpack", "--digests", "/images.tar"); err != nil {
		return err
	}
	for _, r := range refs {
		if _, err := imgbuild.Docker(ctx, "exec", name, "ctr", "--namespace=k8s.io", "images", "label", r,
			"io.cri-containerd.pinned=pinned"); err != nil {
			return fmt.Errorf("image %s was not imported into the node's containerd: %w", r, err)
		}
	}
	// docker stop sends SIGTERM: containerd closes its metadata database cleanly before exiting.
	_, err := imgbuild.Docker(ctx, "stop", "-t", "60", name)
	return err
}

// stopWaiting wraps an error after which waiting is pointless.
type stopWaiting struct{ error }

// waitFor polls cond until it succeeds, fails with stopWaiting, or the timeout passes (the last
// error is reported).
func waitFor(ctx context.Context, timeout time.Duration, what string, cond func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if sw, ok := err.(stopWaiting); ok {
			return sw.error
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last error: %v)", what, ctx.Err(), err)
		case <-t.C:
		}
	}
}

// nodeConfig is kind's node image config: systemd behind kind's entrypoint, stopped with
// SIGRTMIN+3 (systemd re-executes itself on SIGTERM), and empty proxy variables.
var nodeConfig = imgbuild.Config{
	Entrypoint: []string{"/usr/local/bin/entrypoint", "/sbin/init"},
	Env:        []string{"container=docker", "HTTP_PROXY=", "HTTPS_PROXY=", "NO_PROXY="},
	StopSignal: "SIGRTMIN+3",
}

// baseImage is the node OS alone (used to run the node's containerd for preimport).
func baseImage(baseLayer v1.Layer) (v1.Image, error) {
	return imgbuild.NewImage(imgbuild.Config{
		Entrypoint: nodeConfig.Entrypoint, Env: []string{"container=docker"}, StopSignal: nodeConfig.StopSignal,
	}, baseLayer)
}
