package airgap

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/drainproof/drainproof/harness/internal/imgbuild"
)

// goEnv is the environment of every go command here. CGO_ENABLED=0 and -trimpath (below) make
// static, reproducible binaries and match the flags of the warm-up build, so its build cache hits.
func goEnv() []string {
	return append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false", "GOWORK=off", "GOTOOLCHAIN=local")
}

func goCmd(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = dir, goEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if len(msg) > 4000 {
			msg = "..." + msg[len(msg)-4000:]
		}
		return fmt.Errorf("go %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, msg)
	}
	return nil
}

// moduleInfo runs `go mod download -json mod@version` (outside any module) and returns its
// fields (Dir: the extracted source in the module cache, GoMod: its go.mod file).
func moduleInfo(ctx context.Context, scratch, mod, version string) (dir, goMod string, err error) {
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return "", "", err
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", mod+"@"+version)
	cmd.Dir, cmd.Env = scratch, goEnv()
	out, err := cmd.Output()
	var info struct{ Dir, GoMod, Error string }
	_ = json.Unmarshal(out, &info)
	if err != nil || info.Error != "" || info.Dir == "" {
		return "", "", fmt.Errorf("go mod download %s@%s (module proxy reachable?): %v %s", mod, version, err, info.Error)
	}
	return info.Dir, info.GoMod, nil
}

// goTool is one program set built through a wrapper module.
type goTool struct {
	name    string // cache name, e.g. "etcd"
	srcName string // wrapper directory name when shared with another tool (default name)
	wrapper WrapperModule
	build   []string // packages to build (default: the wrapper's Packages and Local)
	ldflags string
	binary  string // when set (one package only): output file name instead of the package's base name
}

// packages are what `go build` builds.
func (t goTool) packages() []string {
	if t.build != nil {
		return t.build
	}
	return append(append([]string(nil), t.wrapper.Packages...), t.wrapper.Local...)
}

// key identifies the tool's outputs: the module graph (go.mod, tools.go), the source of the
// local packages it builds (not of other local packages sharing the wrapper), flags, Go.
func (t goTool) key(goVersion string) string {
	parts := []string{t.name, string(t.wrapper.GoMod()), string(t.wrapper.ToolsGo()), strings.Join(t.packages(), " "), t.ldflags, t.binary, goVersion}
	for _, p := range t.packages() {
		dir := strings.TrimPrefix(p, "./")
		for _, f := range sortedKeys(toStrings(t.wrapper.Files)) {
			if path.Dir(f) == dir {
				parts = append(parts, f, string(t.wrapper.Files[f]))
			}
		}
	}
	return imgbuild.Key(parts...)
}

// binaries are the output file names.
func (t goTool) binaries() []string {
	if t.binary != "" {
		return []string{t.binary}
	}
	var bs []string
	for _, p := range t.packages() {
		bs = append(bs, path.Base(p))
	}
	return bs
}

// buildTool builds t into <cache>/bin/<name>-<key>/ unless already there. The wrapper module
// lives in <cache>/src/<name>; `go mod tidy` runs only when its go.mod inputs change.
func (b *builder) buildTool(ctx context.Context, t goTool) (dir string, cached bool, err error) {
	key := t.key(b.goVersion)
	b.usedBin(t.name, key)
	dir = filepath.Join(b.cache, "bin", t.name+"-"+key)
	stamp := filepath.Join(dir, ".stamp")
	if imgbuild.HasStamp(stamp, key) && allExist(dir, t.binaries()) {
		return dir, true, nil
	}
	srcName := t.srcName
	if srcName == "" {
		srcName = t.name
	}
	src := filepath.Join(b.cache, "src", srcName)
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", false, err
	}
	// `go mod tidy` rewrites go.mod, so what we wrote is remembered by its key in inputs.key.
	in := []byte(t.wrapper.InputsKey())
	if prev, _ := os.ReadFile(filepath.Join(src, "inputs.key")); !bytes.Equal(prev, in) || !exists(filepath.Join(src, "go.sum")) {
		files := map[string][]byte{"go.mod": t.wrapper.GoMod(), "tools.go": t.wrapper.ToolsGo()}
		for name, data := range t.wrapper.Files {
			files[name] = data
		}
		for name, data := range files {
			p := filepath.Join(src, filepath.FromSlash(name))
			if data == nil {
				_ = os.Remove(p)
				continue
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return "", false, err
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				return "", false, err
			}
		}
		_ = os.Remove(filepath.Join(src, "go.sum"))
		if err := goCmd(ctx, src, "mod", "tidy"); err != nil {
			return "", false, err
		}
		if err := os.WriteFile(filepath.Join(src, "inputs.key"), in, 0o644); err != nil {
			return "", false, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, err
	}
	out := dir + string(filepath.Separator)
	if t.binary != "" {
		out = filepath.Join(dir, t.binary)
	}
	args := append([]string{"build", "-trimpath", "-ldflags", t.ldflags, "-o", out}, t.packages()...)
	if err := goCmd(ctx, src, args...); err != nil {
		return "", false, err
	}
	return dir, false, imgbuild.WriteStamp(stamp, key)
}

// buildOwn builds main packages of the drainproof module itself (pause, kindnet-lite, ...) into
// <cache>/bin/<name>-<key>/, keyed by their source.
func (b *builder) buildOwn(ctx context.Context, name string, pkgs ...string) (dir string, cached bool, err error) {
	src, err := imgbuild.SourceKey(ctx, b.src, pkgs...)
	if err != nil {
		return "", false, err
	}
	key := imgbuild.Key(name, src, b.goVersion)
	b.usedBin(name, key)
	dir = filepath.Join(b.cache, "bin", name+"-"+key)
	stamp := filepath.Join(dir, ".stamp")
	if imgbuild.HasStamp(stamp, key) {
		return dir, true, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, err
	}
	args := append([]string{"build", "-trimpath", "-ldflags", "-s -w", "-o", dir + string(filepath.Separator)}, pkgs...)
	if err := goCmd(ctx, b.src, args...); err != nil {
		return "", false, err
	}
	return dir, false, imgbuild.WriteStamp(stamp, key)
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func allExist(dir string, names []string) bool {
	for _, n := range names {
		if !exists(filepath.Join(dir, n)) {
			return false
		}
	}
	return true
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
func corednsWrapper(w WrapperModule) WrapperModule {
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
func thirdPartyTools(v Versions) []goTool {
	wrap := func(name, mod, ver string, pkgs ...string) WrapperModule {
		return WrapperModule{Path: "drainproof.local/build/" + name, Go: "1.24", Require: map[string]string{mod: ver}, Packages: pkgs}
	}
	cni := "github.com/containernetworking/plugins/plugins/"
	return []goTool{
		{name: "etcd", wrapper: wrap("etcd", "go.etcd.io/etcd/server/v3", "v"+v.Etcd, "go.etcd.io/etcd/server/v3"),
			ldflags: "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=drainproof", binary: "etcd"},
		{name: "coredns", wrapper: corednsWrapper(wrap("coredns", "github.com/coredns/coredns", "v"+v.CoreDNS)),
			ldflags: "-s -w", binary: "coredns"},
		{name: "cni-plugins", wrapper: wrap("cni-plugins", "github.com/containernetworking/plugins", v.CNIPlugins,
			cni+"main/ptp", cni+"main/bridge", cni+"main/loopback", cni+"ipam/host-local", cni+"meta/portmap"),
			ldflags: "-s -w"},
		{name: "crictl", wrapper: wrap("crictl", "sigs.k8s.io/cri-tools", v.Crictl, "sigs.k8s.io/cri-tools/cmd/crictl"),
			ldflags: "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=" + v.Crictl},
	}
}
