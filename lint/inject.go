package lint

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Injector renders Istio's sidecar injection offline (drainproof wires in
// the Istio profile's `istioctl kube-inject`, with the mesh config and
// injection template its istiod chart renders). Inject takes workloads as one
// multi-document YAML and returns their injected forms in the same order;
// meshDefaults (a mesh-wide ProxyConfig found in the input) and
// injectorValues (the injector's values found in the input, e.g.
// global.proxy.lifecycle) are laid over the installed mesh's, when set.
type Injector interface {
	Inject(ctx context.Context, manifests []byte, meshDefaults, injectorValues map[string]any) ([]byte, error)
	// String names the injection for findings ("istioctl kube-inject, Istio 1.31 line").
	String() string
}

// InjectIstio replaces every workload of objs that Istio would inject (a
// namespace label in the input, sidecar.istio.io/inject, a
// proxy.istio.io/config annotation) but whose manifest holds no istio-proxy
// yet by its injected form, rendered by inj, so the Istio rules read the
// real injected spec (the drain, EXIT_ON_ZERO_ACTIVE_CONNECTIONS, native
// sidecar and preStop Istio's template gives it) instead of inferring it from
// annotations. It returns the new objects (inputs unchanged) and how many
// workloads were injected. An injected object keeps its Source, and its
// findings say they were read from the injected form (Finding.RenderedBy).
func InjectIstio(ctx context.Context, objs []Object, inj Injector, o Options) ([]Object, int, error) {
	idx, m, err := injectable(objs, o)
	if err != nil {
		return nil, 0, err
	}
	var in bytes.Buffer
	for _, i := range idx {
		b, err := json.Marshal(objs[i].Raw) // JSON is YAML; numbers stay numbers (json.Number)
		if err != nil {
			return nil, 0, err
		}
		in.WriteString("---\n")
		in.Write(b)
		in.WriteString("\n")
	}
	out := append([]Object(nil), objs...)
	if len(idx) == 0 {
		return out, 0, nil
	}
	var values map[string]any
	if m.lifecycleRaw != nil {
		values = map[string]any{"global": map[string]any{"proxy": map[string]any{"lifecycle": m.lifecycleRaw}}}
	}
	rendered, err := inj.Inject(ctx, in.Bytes(), m.defaultsRaw, values)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", inj, err)
	}
	injected, err := Read(inj.String(), bytes.NewReader(rendered))
	if err != nil {
		return nil, 0, err
	}
	if len(injected) != len(idx) {
		return nil, 0, fmt.Errorf("%s: %d workloads in, %d out", inj, len(idx), len(injected))
	}
	for j, i := range idx {
		got, want := injected[j], objs[i]
		if got.Kind() != want.Kind() || got.Name() != want.Name() {
			return nil, 0, fmt.Errorf("%s: workload %d came back as %s/%s, want %s/%s", inj, j+1, got.Kind(), got.Name(), want.Kind(), want.Name())
		}
		out[i] = Object{Raw: got.Raw, Source: want.Source, renderedBy: inj.String()}
	}
	return out, len(idx), nil
}

// IstioInjectable counts the workloads of objs that InjectIstio would render:
// Istio injects them, and their manifests hold no istio-proxy yet.
func IstioInjectable(objs []Object, o Options) (int, error) {
	idx, _, err := injectable(objs, o)
	return len(idx), err
}

func injectable(objs []Object, o Options) ([]int, mesh, error) {
	if o.DefaultNamespace == "" {
		o.DefaultNamespace = "default"
	}
	m, err := readMesh(objs)
	if err != nil {
		return nil, m, err
	}
	nsLabels := namespaceLabels(objs)
	var idx []int
	for i, ob := range objs {
		w, ok, err := newWorkload(ob, o.DefaultNamespace)
		if err != nil {
			return nil, m, err
		}
		if !ok {
			continue
		}
		w.nsMeta = nsLabels[w.ref.Namespace]
		sc, err := istioSidecar(w, m)
		if err != nil {
			return nil, m, &ReadError{ob.Source, err}
		}
		if sc != nil && !sc.injected {
			idx = append(idx, i)
		}
	}
	return idx, m, nil
}

// namespaceLabels are the labels of the Namespace objects in objs, by name.
func namespaceLabels(objs []Object) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, ob := range objs {
		if ob.Kind() == "Namespace" {
			l := map[string]string{}
			if lm, ok := path(ob.Raw, "metadata", "labels").(map[string]any); ok {
				for k, v := range lm {
					l[k] = str(v)
				}
			}
			out[ob.Name()] = l
		}
	}
	return out
}

// jsonMap converts a decoded value (YAML or JSON types) to a JSON object.
func jsonMap(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

// renderedNote is what a finding on an injected object says about it.
func renderedNote(by string) string {
	if by == "" {
		return ""
	}
	return "read from the injected form rendered by " + strings.TrimSpace(by)
}
