package lint

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
)

// Istio's names and defaults, as pilot-agent reads them.
const (
	annoProxyConfig   = "proxy.istio.io/config"
	annoNativeSidecar = "sidecar.istio.io/nativeSidecar"
	labelInject       = "sidecar.istio.io/inject"
	envExitOnZero     = "EXIT_ON_ZERO_ACTIVE_CONNECTIONS"
	envTermDrain      = "TERMINATION_DRAIN_DURATION_SECONDS"
	envMinDrain       = "MINIMUM_DRAIN_DURATION"
	// IstioDefaultDrain is terminationDrainDuration when nothing sets it.
	IstioDefaultDrain = 5 * time.Second
	// IstioDefaultMinDrain is MINIMUM_DRAIN_DURATION, the wait before
	// EXIT_ON_ZERO_ACTIVE_CONNECTIONS starts counting connections.
	IstioDefaultMinDrain = 5 * time.Second
)

// proxyConfig is the part of Istio's ProxyConfig that governs shutdown.
type proxyConfig struct {
	TerminationDrainDuration string            `json:"terminationDrainDuration" yaml:"terminationDrainDuration"`
	DrainDuration            string            `json:"drainDuration" yaml:"drainDuration"`
	ProxyMetadata            map[string]string `json:"proxyMetadata" yaml:"proxyMetadata"`
}

// parseProxyConfig reads a proxy.istio.io/config annotation or a mesh
// defaultConfig: YAML or JSON (YAML's superset), unknown fields ignored.
func parseProxyConfig(s string) (proxyConfig, error) {
	var pc proxyConfig
	if strings.TrimSpace(s) == "" {
		return pc, nil
	}
	err := yaml.Unmarshal([]byte(s), &pc)
	return pc, err
}

// mesh is what the input says about the mesh as a whole: the defaultConfig
// of an IstioOperator or of the istio ConfigMap (meshConfig), and a preStop
// the injector template gives every istio-proxy (istio-sidecar-injector's
// values global.proxy.lifecycle).
type mesh struct {
	defaults     proxyConfig
	defaultsRaw  map[string]any // defaults as written (every ProxyConfig field), for InjectIstio
	defaultsPath string         // e.g. IstioOperator/istio-system/x spec.meshConfig.defaultConfig
	preStop      *corev1.LifecycleHandler
	preStopPath  string
	lifecycleRaw map[string]any // the injector's global.proxy.lifecycle as written, for InjectIstio
}

// readMesh collects mesh-wide settings from objs; the last one read wins.
func readMesh(objs []Object) (mesh, error) {
	var m mesh
	for _, o := range objs {
		ref := Ref{o.Kind(), o.Namespace(), o.Name()}
		switch {
		case o.Kind() == "IstioOperator":
			dc := path(o.Raw, "spec", "meshConfig", "defaultConfig")
			if dc == nil {
				continue
			}
			if err := decodeStrict(dc, &m.defaults); err != nil {
				return m, &ReadError{o.Source, fmt.Errorf("%s spec.meshConfig.defaultConfig: %v", ref, err)}
			}
			m.defaultsRaw = jsonMap(dc)
			m.defaultsPath = ref.String() + " spec.meshConfig.defaultConfig"
		case o.Kind() == "ConfigMap" && strings.HasPrefix(o.Name(), "istio") && str(path(o.Raw, "data", "mesh")) != "":
			var mc struct {
				DefaultConfig proxyConfig `yaml:"defaultConfig"`
			}
			if err := yaml.Unmarshal([]byte(str(path(o.Raw, "data", "mesh"))), &mc); err != nil {
				return m, &ReadError{o.Source, fmt.Errorf("%s data.mesh: %v", ref, err)}
			}
			var raw struct {
				DefaultConfig any `yaml:"defaultConfig"`
			}
			_ = yaml.Unmarshal([]byte(str(path(o.Raw, "data", "mesh"))), &raw)
			m.defaults, m.defaultsRaw = mc.DefaultConfig, jsonMap(raw.DefaultConfig)
			m.defaultsPath = ref.String() + " data.mesh.defaultConfig"
		case o.Kind() == "ConfigMap" && strings.HasPrefix(o.Name(), "istio-sidecar-injector") && str(path(o.Raw, "data", "values")) != "":
			var v struct {
				Global struct {
					Proxy struct {
						Lifecycle corev1.Lifecycle `json:"lifecycle"`
					} `json:"proxy"`
				} `json:"global"`
			}
			if err := json.Unmarshal([]byte(str(path(o.Raw, "data", "values"))), &v); err != nil {
				return m, &ReadError{o.Source, fmt.Errorf("%s data.values: %v", ref, err)}
			}
			if v.Global.Proxy.Lifecycle.PreStop != nil {
				m.preStop = v.Global.Proxy.Lifecycle.PreStop
				m.preStopPath = ref.String() + " data.values.global.proxy.lifecycle.preStop"
				var raw map[string]any
				_ = json.Unmarshal([]byte(str(path(o.Raw, "data", "values"))), &raw)
				m.lifecycleRaw, _ = path(raw, "global", "proxy", "lifecycle").(map[string]any)
			}
		}
	}
	return m, nil
}

// sidecar is a workload's Istio proxy, read from the injected form (an
// istio-proxy container) or inferred for the uninjected form.
type sidecar struct {
	how       string // why lint thinks the pod is injected
	container string // "istio-proxy"
	path      string // the container's field path; "" when not injected yet
	injected  bool   // the istio-proxy container is in the manifests
	native    bool
	drain     Value  // terminationDrainDuration in effect
	drainTime *Value // drainDuration (Envoy's --drain-time-s), when set
	exitZero  *Value
	minDrain  Value
	preStop   preStop
}

// istioSidecar returns w's Istio sidecar, or nil when w has none.
func istioSidecar(w *workload, m mesh) (*sidecar, error) {
	s := &sidecar{container: "istio-proxy"}
	var proxy *containerRef
	for _, c := range w.containers() {
		if c.c.Name == "istio-proxy" {
			c := c
			proxy = &c
		}
	}
	inject := firstOf(w.tmpl.Labels[labelInject], w.tmpl.Annotations[labelInject])
	switch {
	case proxy != nil:
		s.how, s.injected, s.path, s.native = "its istio-proxy container", true, proxy.path, proxy.native
	case inject == "false":
		return nil, nil
	case inject == "true":
		s.how = labelInject + `: "true"`
	case w.nsMeta["istio-injection"] == "enabled" || (w.nsMeta["istio.io/rev"] != "" && w.nsMeta["istio-injection"] != "disabled"):
		s.how = "its namespace's injection label"
	case w.annotation(annoProxyConfig) != "":
		s.how = "its " + annoProxyConfig + " annotation (assumed injected)"
	default:
		return nil, nil
	}
	if !s.injected && w.annotation(annoNativeSidecar) == "true" {
		s.native = true
	}

	// Precedence as pilot-agent applies it: pod annotation, then the
	// injected PROXY_CONFIG (the merged mesh config), then mesh defaults,
	// then the agent's environment, then Istio's default.
	pc, err := parseProxyConfig(w.annotation(annoProxyConfig))
	if err != nil {
		return nil, fmt.Errorf("%s: %s: not YAML or JSON: %v", w.ref, w.annotationField(annoProxyConfig), err)
	}
	annoPath := w.annotationField(annoProxyConfig)
	var injectedPC proxyConfig
	var injectedPath string
	if proxy != nil {
		if v, ok := proxy.env("PROXY_CONFIG"); ok {
			if err := json.Unmarshal([]byte(v.Value), &injectedPC); err == nil {
				injectedPath = v.Path
			}
		}
	}
	s.drain = Value{Path: annoPath + ".terminationDrainDuration", Value: "5s (unset: Istio's default)", Default: true, d: IstioDefaultDrain}
	drainSources := []struct{ val, path string }{
		{pc.TerminationDrainDuration, annoPath + ".terminationDrainDuration"},
		{injectedPC.TerminationDrainDuration, injectedPath + ".terminationDrainDuration"},
		{m.defaults.TerminationDrainDuration, m.defaultsPath + ".terminationDrainDuration"},
	}
	if proxy != nil {
		if v, ok := proxy.env(envTermDrain); ok {
			drainSources = append(drainSources, struct{ val, path string }{v.Value + "s", v.Path})
		}
	}
	for _, src := range drainSources {
		if src.val == "" {
			continue
		}
		d, err := time.ParseDuration(src.val)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %q is not a duration", w.ref, src.path, src.val)
		}
		s.drain = Value{Path: src.path, Value: src.val, d: d}
		break
	}
	for _, src := range []struct{ val, path string }{
		{pc.DrainDuration, annoPath + ".drainDuration"},
		{injectedPC.DrainDuration, injectedPath + ".drainDuration"},
		{m.defaults.DrainDuration, m.defaultsPath + ".drainDuration"},
	} {
		if src.val == "" {
			continue
		}
		if rendered := src.path == injectedPath+".drainDuration"; rendered && w.renderedBy != "" && m.defaults.DrainDuration == src.val {
			src.path = m.defaultsPath + ".drainDuration" // named where the user wrote it
		}
		d, err := time.ParseDuration(src.val)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %q is not a duration", w.ref, src.path, src.val)
		}
		s.drainTime = &Value{Path: src.path, Value: src.val, d: d}
		break
	}
	meta := func(k string) (Value, bool) {
		if v, ok := pc.ProxyMetadata[k]; ok {
			return Value{Path: fmt.Sprintf("%s.proxyMetadata.%s", annoPath, k), Value: v}, true
		}
		if proxy != nil {
			if v, ok := proxy.env(k); ok {
				// Rendered by InjectIstio from the input's mesh defaults: name
				// where the user wrote it; the injected spec confirmed the value.
				if mv, ok := m.defaults.ProxyMetadata[k]; ok && w.renderedBy != "" && mv == v.Value {
					return Value{Path: fmt.Sprintf("%s.proxyMetadata.%s", m.defaultsPath, k), Value: mv}, true
				}
				return v, true
			}
		}
		if v, ok := injectedPC.ProxyMetadata[k]; ok {
			return Value{Path: fmt.Sprintf("%s.proxyMetadata.%s", injectedPath, k), Value: v}, true
		}
		if v, ok := m.defaults.ProxyMetadata[k]; ok {
			return Value{Path: fmt.Sprintf("%s.proxyMetadata.%s", m.defaultsPath, k), Value: v}, true
		}
		return Value{}, false
	}
	if v, ok := meta(envExitOnZero); ok && strings.EqualFold(strings.Trim(v.Value, `'"`), "true") {
		s.exitZero = &v
	}
	s.minDrain = Value{Path: annoPath + ".proxyMetadata." + envMinDrain, Value: "5s (unset: Istio's default)", Default: true, d: IstioDefaultMinDrain}
	if v, ok := meta(envMinDrain); ok {
		if d, err := time.ParseDuration(v.Value); err == nil {
			v.d = d
			s.minDrain = v
		}
	}
	switch {
	case proxy != nil:
		s.preStop = readPreStop(*proxy)
	case m.preStop != nil:
		s.preStop = analysePreStop(m.preStop, m.preStopPath)
	default:
		s.preStop = preStop{kind: stopNone}
	}
	return s, nil
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
