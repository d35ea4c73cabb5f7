package istio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/drainproof/drainproof/internal/image/gobuild"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// ErrIstioctlNotBuilt is returned (wrapped) by CachedInjection when the cache holds no istioctl
// for the pinned module: offline injection needs it, and it is never built just for that.
var ErrIstioctlNotBuilt = errors.New("istioctl is not built (a cold cache: the Istio profile builds it, " +
	"e.g. drainproof run --scenario istio-ssh-exit-on-zero, or make e2e LABELS=profile=istio)")

// Injection is Istio's sidecar injection, offline: `istioctl kube-inject -r default` with the
// mesh config, injection template and values that the istiod chart renders for Install's values,
// so what it injects is what the profile's istiod injects. (Without -r, kube-inject waits for a
// cluster.)
type Injection struct {
	Istioctl string // the built istioctl
	Mesh     string // the istio ConfigMap's data.mesh (YAML MeshConfig)
	Template string // the istio-sidecar-injector ConfigMap's data.config (injection templates)
	Values   string // the istio-sidecar-injector ConfigMap's data.values (JSON)
}

// CachedInjection makes an Injection from what an earlier Build left: the istioctl binary in the
// cache (cacheDir "" is Build's default) and the module's charts in the Go module cache. It
// builds nothing and downloads nothing; without them the error wraps ErrIstioctlNotBuilt.
func CachedInjection(ctx context.Context, cacheDir string) (*Injection, error) {
	if cacheDir == "" {
		root, err := imgbuild.CacheRoot()
		if err != nil {
			return nil, err
		}
		cacheDir = filepath.Join(root, "istio")
	}
	goVersion, err := imgbuild.GoVersion(ctx)
	if err != nil {
		return nil, err
	}
	modDir, goMod, err := gobuild.CachedModuleInfo(ctx, filepath.Join(cacheDir, "scratch"), Module, Version)
	if err != nil {
		return nil, fmt.Errorf("%w: %s@%s is not in the Go module cache", ErrIstioctlNotBuilt, Module, Version)
	}
	w, err := wrapper(goMod)
	if err != nil {
		return nil, err
	}
	var ctl string
	for _, t := range tools(w, 0) {
		if t.Binary == "istioctl" {
			dir, ok := t.Built(cacheDir, goVersion)
			if !ok {
				return nil, fmt.Errorf("%w: nothing at %s", ErrIstioctlNotBuilt, dir)
			}
			ctl = filepath.Join(dir, "istioctl")
		}
	}
	return injectionFromChart(ctl, modDir)
}

// injectionFromChart renders the istiod chart with Install's values (placeholder image refs: the
// images play no part in what lint reads) and takes the injector's inputs from its ConfigMaps.
func injectionFromChart(istioctl, modDir string) (*Injection, error) {
	c, err := loadChart(modDir, chartIstiod)
	if err != nil {
		return nil, err
	}
	_, v := values(&Built{Istiod: &Image{Ref: IstiodRepo + ":" + Line + "-lint"}, Proxy: &Image{Ref: ProxyRepo + ":" + Line + "-lint"}})
	manifest, err := render(c, istiodRelease, Namespace, v)
	if err != nil {
		return nil, err
	}
	in := &Injection{Istioctl: istioctl}
	dec := k8syaml.NewYAMLOrJSONDecoder(strings.NewReader(manifest), 4096)
	for {
		var o struct {
			Kind     string                `json:"kind"`
			Metadata struct{ Name string } `json:"metadata"`
			Data     map[string]string     `json:"data"`
		}
		if err := dec.Decode(&o); err != nil {
			if err.Error() == "EOF" {
				break
			}
			return nil, fmt.Errorf("istiod chart: %w", err)
		}
		switch {
		case o.Kind == "ConfigMap" && o.Metadata.Name == "istio":
			in.Mesh = o.Data["mesh"]
		case o.Kind == "ConfigMap" && o.Metadata.Name == injectorName:
			in.Template, in.Values = o.Data["config"], o.Data["values"]
		}
	}
	if in.Mesh == "" || in.Template == "" || in.Values == "" {
		return nil, fmt.Errorf("istiod chart of %s@%s: no istio / %s ConfigMaps with mesh, config and values", Module, Version, injectorName)
	}
	return in, nil
}

// Inject returns the injected form of manifests (multi-document YAML or JSON), in the same order.
// meshDefaults, when set, is laid over the mesh config's defaultConfig (a user's mesh-wide
// ProxyConfig), and values over the injector's values (e.g. global.proxy.lifecycle), as an
// installed mesh with those settings would inject.
func (in *Injection) Inject(ctx context.Context, manifests []byte, meshDefaults, values map[string]any) ([]byte, error) {
	dir, err := os.MkdirTemp("", "drainproof-inject-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	mesh, err := overlayMesh(in.Mesh, meshDefaults)
	if err != nil {
		return nil, err
	}
	vals, err := overlayJSON(in.Values, values)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{"mesh.yaml": mesh, "inject.yaml": []byte(in.Template), "values.json": vals, "in.yaml": manifests}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o600); err != nil {
			return nil, err
		}
	}
	cmd := exec.CommandContext(ctx, in.Istioctl, "kube-inject", "-r", "default",
		"--meshConfigFile", filepath.Join(dir, "mesh.yaml"), "--injectConfigFile", filepath.Join(dir, "inject.yaml"),
		"--valuesFile", filepath.Join(dir, "values.json"), "-f", filepath.Join(dir, "in.yaml"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("istioctl kube-inject: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// overlayMesh lays defaults over mesh's defaultConfig (key by key, deeply).
func overlayMesh(mesh string, defaults map[string]any) ([]byte, error) {
	if len(defaults) == 0 {
		return []byte(mesh), nil
	}
	var m map[string]any
	if err := yaml.Unmarshal([]byte(mesh), &m); err != nil {
		return nil, fmt.Errorf("mesh config: %w", err)
	}
	if m == nil {
		m = map[string]any{}
	}
	dc, _ := m["defaultConfig"].(map[string]any)
	m["defaultConfig"] = merge(dc, defaults)
	return yaml.Marshal(m)
}

// overlayJSON lays over onto the JSON object base.
func overlayJSON(base string, over map[string]any) ([]byte, error) {
	if len(over) == 0 {
		return []byte(base), nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(base), &m); err != nil {
		return nil, fmt.Errorf("injector values: %w", err)
	}
	return json.Marshal(merge(m, over))
}

// merge lays over onto base: maps merge key by key, anything else replaces.
func merge(base, over map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if om, ok := v.(map[string]any); ok {
			if bm, ok := out[k].(map[string]any); ok {
				out[k] = merge(bm, om)
				continue
			}
		}
		out[k] = v
	}
	return out
}
