package lint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Ref names an object as kind/namespace/name.
type Ref struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

func (r Ref) String() string { return r.Kind + "/" + r.Namespace + "/" + r.Name }

// templatePaths is where each workload kind keeps its pod template ("" for a
// Pod: metadata and spec are the object's own).
var templatePaths = map[string][]string{
	"Pod":                   nil,
	"Deployment":            {"spec", "template"},
	"StatefulSet":           {"spec", "template"},
	"DaemonSet":             {"spec", "template"},
	"ReplicaSet":            {"spec", "template"},
	"ReplicationController": {"spec", "template"},
	"Job":                   {"spec", "template"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template"},
	"PodTemplate":           {"template"},
}

// DefaultGrace is Kubernetes' terminationGracePeriodSeconds when unset.
const DefaultGrace = 30 * time.Second

// workload is one pod template with the object it belongs to.
type workload struct {
	ref    Ref
	source Source
	prefix string // field path of the pod template ("" for a Pod)
	tmpl   corev1.PodTemplateSpec
	nsMeta map[string]string // labels of its namespace, when known
	// renderedBy: the template was read from a rendered form (InjectIstio).
	renderedBy string
}

func newWorkload(o Object, defaultNS string) (*workload, bool, error) {
	keys, ok := templatePaths[o.Kind()]
	if !ok {
		return nil, false, nil
	}
	var raw any = o.Raw
	if keys != nil {
		raw = path(o.Raw, keys...)
		if raw == nil {
			return nil, false, &ReadError{o.Source, fmt.Errorf("%s/%s: %s missing", o.Kind(), o.Name(), strings.Join(keys, "."))}
		}
	}
	w := &workload{
		ref:    Ref{o.Kind(), o.Namespace(), o.Name()},
		source: o.Source,
		prefix: strings.Join(keys, "."),

		renderedBy: o.renderedBy,
	}
	if w.ref.Namespace == "" {
		w.ref.Namespace = defaultNS
	}
	if err := decodeStrict(raw, &w.tmpl); err != nil {
		return nil, false, &ReadError{o.Source, fmt.Errorf("%s %s: %v", w.ref, orObject(w.prefix), err)}
	}
	return w, true, nil
}

func orObject(p string) string {
	if p == "" {
		return "object"
	}
	return p
}

// decodeStrict decodes JSON-typed v into a typed API struct; type errors
// (a string grace period) name the field, as the API server would.
func decodeStrict(v any, into any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.NewDecoder(bytes.NewReader(b)).Decode(into)
}

// field is the full field path of p inside the pod template:
// field("spec.terminationGracePeriodSeconds").
func (w *workload) field(p string) string {
	if w.prefix == "" {
		return p
	}
	return w.prefix + "." + p
}

// grace is the pod's terminationGracePeriodSeconds, Kubernetes' 30 s when unset.
func (w *workload) grace() Value {
	f := w.field("spec.terminationGracePeriodSeconds")
	if g := w.tmpl.Spec.TerminationGracePeriodSeconds; g != nil {
		return Value{Path: f, Value: dur(time.Duration(*g) * time.Second), d: time.Duration(*g) * time.Second}
	}
	return Value{Path: f, Value: "30s (unset: Kubernetes' default)", d: DefaultGrace, Default: true}
}

func (w *workload) annotation(k string) string { return w.tmpl.Annotations[k] }

func (w *workload) annotationField(k string) string {
	return w.field(fmt.Sprintf("metadata.annotations[%q]", k))
}

// containerRef is one container of the pod with its field path.
type containerRef struct {
	c      *corev1.Container
	path   string // e.g. spec.template.spec.containers[1]
	native bool   // an init container with restartPolicy Always (a native sidecar)
	init   bool
}

// containers lists the regular containers, then init containers.
func (w *workload) containers() []containerRef {
	var out []containerRef
	for i := range w.tmpl.Spec.Containers {
		out = append(out, containerRef{c: &w.tmpl.Spec.Containers[i], path: w.field(fmt.Sprintf("spec.containers[%d]", i))})
	}
	for i := range w.tmpl.Spec.InitContainers {
		c := &w.tmpl.Spec.InitContainers[i]
		native := c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
		out = append(out, containerRef{c: c, path: w.field(fmt.Sprintf("spec.initContainers[%d]", i)), native: native, init: true})
	}
	return out
}

// running lists the containers that run beside the application: regular
// containers and native sidecars (plain init containers have exited).
func (w *workload) running() []containerRef {
	var out []containerRef
	for _, c := range w.containers() {
		if !c.init || c.native {
			out = append(out, c)
		}
	}
	return out
}

// env returns a container's literal env value and its field path.
func (c containerRef) env(name string) (Value, bool) {
	for i, e := range c.c.Env {
		if e.Name == name && e.ValueFrom == nil {
			return Value{Path: fmt.Sprintf("%s.env[%d](%s)", c.path, i, name), Value: e.Value}, true
		}
	}
	return Value{}, false
}

// proxyNames are programs (command, image or container name) that are
// proxies: they carry other processes' connections and, without a drain,
// cut them at SIGTERM.
var proxyNames = []string{"envoy", "istio-proxy", "pilot-agent", "proxyv2", "haproxy", "nginx", "traefik", "gateway-proxy"}

// isProxy reports whether c looks like a proxy by its name, program or image.
func (c containerRef) isProxy() bool {
	cands := []string{c.c.Name, baseName(c.c.Image)}
	if len(c.c.Command) > 0 {
		cands = append(cands, baseName(c.c.Command[0]))
	}
	for _, s := range cands {
		for _, p := range proxyNames {
			if s == p || strings.HasPrefix(s, p+":") || strings.HasPrefix(s, p+"@") {
				return true
			}
		}
	}
	return false
}

func baseName(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// Value is a field path and the value found there (or assumed: Default).
type Value struct {
	Path  string `json:"path"`
	Value string `json:"value"`
	// Default: the field is unset and Value is the default that applies.
	Default bool          `json:"default,omitempty"`
	d       time.Duration // the value as a duration, where it is one
}

// dur writes a duration as people write it in manifests: "90s", "86400s".
func dur(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", int64(d/time.Second))
	}
	return d.String()
}
