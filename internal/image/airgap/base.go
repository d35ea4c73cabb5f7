package airgap

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// basePackages are what kind's base image installs, from Debian: systemd as PID 1, Debian's
// containerd 1.6 and runc 1.1 (kind builds its own from GitHub, which is not reachable here),
// and the networking tools kubelet and kube-proxy shell out to.
var basePackages = []string{
	"systemd", "dbus", "conntrack", "iptables", "nftables", "iproute2", "ethtool", "util-linux",
	"mount", "kmod", "libseccomp2", "pigz", "e2fsprogs", "bash", "ca-certificates", "curl", "jq",
	"procps", "containerd", "runc", "socat", "ebtables",
}

// kindFile is one file of kind's images/base/files installed into the node rootfs.
type kindFile struct {
	src, dst string // src relative to images/base/files; dst absolute in the rootfs
	mode     os.FileMode
}

// kindBaseFiles lists kind's base-image files (same destinations and modes as kind's base
// Dockerfile) found under filesDir. The fuse-overlayfs unit is skipped: we ship no such snapshotter.
func kindBaseFiles(filesDir string) ([]kindFile, error) {
	var out []kindFile
	add := func(glob, dstDir string, mode os.FileMode) error {
		ms, err := filepath.Glob(filepath.Join(filesDir, glob))
		if err != nil || len(ms) == 0 {
			return fmt.Errorf("kind base files: nothing matches %s in %s", glob, filesDir)
		}
		for _, m := range ms {
			if st, err := os.Stat(m); err != nil || st.IsDir() || strings.Contains(m, "fuse-overlayfs") {
				continue
			}
			rel, _ := filepath.Rel(filesDir, m)
			out = append(out, kindFile{src: rel, dst: filepath.Join(dstDir, filepath.Base(m)), mode: mode})
		}
		return nil
	}
	for _, g := range []struct {
		glob, dst string
		mode      os.FileMode
	}{
		{"usr/local/bin/*", "/usr/local/bin", 0o755},
		{"kind/bin/*", "/kind/bin", 0o755},
		{"kind/README.txt", "/kind", 0o644},
		{"LICENSES/*", "/LICENSES", 0o644},
		{"etc/crictl.yaml", "/etc", 0o644},
		{"etc/default/*", "/etc/default", 0o644},
		{"etc/sysctl.d/*", "/etc/sysctl.d", 0o644},
		{"etc/systemd/system/*", "/etc/systemd/system", 0o644},
		{"etc/systemd/system/kubelet.service.d/*", "/etc/systemd/system/kubelet.service.d", 0o644},
	} {
		if err := add(g.glob, g.dst, g.mode); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var (
	proxyPluginsBlock = regexp.MustCompile(`(?ms)^\[proxy_plugins\].*?\n\n`)
	sandboxImageLine  = regexp.MustCompile(`(?m)^(\s*)sandbox_image = ".*"$`)
)

// patchContainerdConfig adapts kind's containerd config to this node:
//   - the fuse-overlayfs proxy plugin goes (we do not ship that snapshotter);
//   - restrict_oom_score_adj = true: the node has no CAP_SYS_RESOURCE on these VMs, so runc cannot
//     lower oom_score_adj (sandboxes ask for -998) and fails with "can't get final child's PID
//     from pipe: EOF"; with this set containerd clamps requests to its own score (what kind does
//     for rootless nodes);
//   - sandbox_image is the pause image this node's kubeadm asks for (kind's file names one
//     Kubernetes minor's pause; the node has no registry to pull another from).
func patchContainerdConfig(in, pauseImage string) (string, error) {
	out := proxyPluginsBlock.ReplaceAllString(in, "")
	if !sandboxImageLine.MatchString(out) {
		return "", fmt.Errorf("kind containerd config: no sandbox_image line to set to %s (kind changed its config?)", pauseImage)
	}
	out = sandboxImageLine.ReplaceAllString(out, "${1}sandbox_image = \""+pauseImage+"\"")
	if !strings.Contains(out, "restrict_oom_score_adj = false") {
		return "", fmt.Errorf("kind containerd config: no \"restrict_oom_score_adj = false\" line to flip (kind changed its config?)")
	}
	out = strings.Replace(out, "restrict_oom_score_adj = false", "restrict_oom_score_adj = true", 1)
	if strings.Contains(out, "proxy_plugins") {
		return "", fmt.Errorf("kind containerd config: proxy_plugins block not removed")
	}
	return out, nil
}

// criBaseSpec turns `ctr oci spec` output into the base runtime spec kind's containerd config
// points at: kind's mount-product-files hook added to createContainer hooks, default rlimits
// dropped (pods get the node's).
func criBaseSpec(ociSpec []byte) ([]byte, error) {
	var spec map[string]any
	if err := json.Unmarshal(ociSpec, &spec); err != nil {
		return nil, fmt.Errorf("ctr oci spec output: %w", err)
	}
	hooks, _ := spec["hooks"].(map[string]any)
	if hooks == nil {
		hooks = map[string]any{}
	}
	cc, _ := hooks["createContainer"].([]any)
	hooks["createContainer"] = append(cc, map[string]any{"path": "/kind/bin/mount-product-files.sh"})
	spec["hooks"] = hooks
	if proc, ok := spec["process"].(map[string]any); ok {
		delete(proc, "rlimits")
	}
	return json.MarshalIndent(spec, "", "    ")
}

// systemdSetup is kind's base-image systemd surgery (run in the rootfs): no units that make no
// sense in a container, init linked, and only kubelet, containerd and undo-mount-hacks enabled.
const systemdSetup = `
find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete
rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* \
      /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* \
      /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*
grep -q '^ReadKMsg=no' /etc/systemd/journald.conf || echo ReadKMsg=no >> /etc/systemd/journald.conf
ln -sf /usr/lib/systemd/systemd /sbin/init
systemctl enable kubelet.service containerd.service undo-mount-hacks.service
systemctl mask systemd-binfmt.service
apt-get clean
rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/locale/* /var/cache/debconf/*-old /var/log/*.log
: > /etc/machine-id
`

// customizeBase turns a debootstrap'ed tree into kind's base image layout. Idempotent.
func customizeBase(ctx context.Context, r imgbuild.Rootfs, kindDir, pauseImage string) error {
	filesDir := filepath.Join(kindDir, "images", "base", "files")
	files, err := kindBaseFiles(filesDir)
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(filesDir, f.src))
		if err != nil {
			return err
		}
		if err := writeIn(r.Dir, f.dst, data, f.mode); err != nil {
			return err
		}
	}
	cfg, err := os.ReadFile(filepath.Join(filesDir, "etc", "containerd", "config.toml"))
	if err != nil {
		return fmt.Errorf("kind containerd config: %w", err)
	}
	patched, err := patchContainerdConfig(string(cfg), pauseImage)
	if err != nil {
		return err
	}
	if err := writeIn(r.Dir, "/etc/containerd/config.toml", []byte(patched), 0o644); err != nil {
		return err
	}
	// kind expects containerd, ctr and the shim in /usr/local/bin; Debian puts them in /usr/bin.
	for _, b := range []string{"containerd", "ctr", "containerd-shim-runc-v2"} {
		link := filepath.Join(r.Dir, "usr/local/bin", b)
		_ = os.Remove(link)
		if err := os.Symlink("/usr/bin/"+b, link); err != nil {
			return err
		}
	}
	spec, err := r.Chroot(ctx, "ctr oci spec")
	if err != nil {
		return err
	}
	base, err := criBaseSpec([]byte(spec))
	if err != nil {
		return err
	}
	if err := writeIn(r.Dir, "/etc/containerd/cri-base.json", base, 0o644); err != nil {
		return err
	}
	for _, d := range []string{"/etc/kubernetes/manifests", "/kind/manifests", "/opt/cni/bin"} {
		if err := os.MkdirAll(filepath.Join(r.Dir, d), 0o755); err != nil {
			return err
		}
	}
	_, err = r.Chroot(ctx, systemdSetup)
	return err
}

// writeIn writes a file at an absolute in-tree path, creating parents.
func writeIn(root, p string, data []byte, mode os.FileMode) error {
	dst := filepath.Join(root, p)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	_ = os.Remove(dst)
	if err := os.WriteFile(dst, data, mode); err != nil {
		return err
	}
	return os.Chmod(dst, mode)
}
