package scenarios

import (
	"bytes"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"text/template"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// Values are what a manifest template may use. Every field is set by the run
// engine; a template that names anything else fails to render (missingkey=error).
type Values struct {
	Namespace string
	// Images is the run's image table, name → reference, written in
	// manifests as {{ image "fixtures" }} (an unknown name fails the render;
	// {{ index .Images "x" }} works too but yields "" for an unknown name).
	// Every run has "fixtures" (our Go programs in /usr/local/bin) and
	// "gateway" (Debian haproxy + nginx with the fixtures); a profile adds its
	// own (istio: "istio-proxy", "istiod").
	Images    map[string]string
	SSHSecret string // Secret with host_key and authorized_keys for fixtures/sshd
	Params    map[string]string
	// Charts are the charts the scenario's profile renders for its manifests,
	// written {{ chart "istio-gateway" (dict "name" "ingress" "replicas" "2") }}
	// after a "---": the output is whole YAML documents for Namespace. A name
	// the profile does not offer fails the render.
	Charts map[string]Chart
	// PullPolicy is the imagePullPolicy of containers running table images,
	// written {{ .PullPolicy }}: how the images reach the nodes decides it
	// (Never when loaded into kind nodes, the default; IfNotPresent when
	// the nodes pull them from a registry).
	PullPolicy string
}

// Chart renders one chart a profile offers, offline, for namespace, its
// images pulled as pullPolicy says (Values.PullPolicy: how the run's images
// reach the nodes). values are the template's dict; a key the chart does not
// take is an error that names it (chart "istio-gateway": values.replics:
// unknown key ...).
type Chart func(namespace, pullPolicy string, values map[string]string) (string, error)

// Render executes s's manifest template and decodes the objects it yields.
// It is pure: same scenario files and values, same objects.
func Render(files fs.FS, s *Scenario, v Values) ([]*unstructured.Unstructured, error) {
	raw, err := ManifestTemplate(files, s)
	if err != nil {
		return nil, err
	}
	if v.Params == nil {
		v.Params = s.Params
	}
	if v.PullPolicy == "" {
		v.PullPolicy = "Never"
	}
	t := template.New(s.Manifests).Option("missingkey=error")
	t.Funcs(template.FuncMap{
		"include": func(name string, data any) (string, error) {
			var b bytes.Buffer
			err := t.ExecuteTemplate(&b, name, data)
			return b.String(), err
		},
		"image": func(name string) (string, error) {
			ref, ok := v.Images[name]
			if !ok || ref == "" {
				return "", fmt.Errorf("image %q is not in this run's image table (have: %s)", name, strings.Join(imageNames(v.Images), ", "))
			}
			return ref, nil
		},
		"chart": func(name string, values map[string]string) (string, error) {
			c, ok := v.Charts[name]
			if !ok || c == nil {
				return "", fmt.Errorf("chart %q is not offered by this scenario's profile (%q offers: %s)", name, s.Profile, strings.Join(chartNames(v.Charts), ", "))
			}
			out, err := c(v.Namespace, v.PullPolicy, values)
			if err != nil {
				return "", fmt.Errorf("chart %q: %w", name, err)
			}
			return out, nil
		},
		"dict": func(kv ...string) (map[string]string, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments (%d): want key value pairs", len(kv))
			}
			m := make(map[string]string, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				if _, dup := m[kv[i]]; dup {
					return nil, fmt.Errorf("dict: key %q given twice", kv[i])
				}
				m[kv[i]] = kv[i+1]
			}
			return m, nil
		},
		"indent": func(n int, s string) string {
			pad := strings.Repeat(" ", n)
			return strings.ReplaceAll(s, "\n", "\n"+pad)
		},
	})
	if _, err := t.Parse(string(raw)); err != nil {
		return nil, fmt.Errorf("%s: manifests %s: %w", s.Source, s.Manifests, err)
	}
	var out bytes.Buffer
	if err := t.Execute(&out, v); err != nil {
		return nil, fmt.Errorf("%s: manifests %s: %w", s.Source, s.Manifests, err)
	}
	return decodeObjects(s.Manifests, out.Bytes())
}

func chartNames(m map[string]Chart) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

func imageNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func decodeObjects(name string, b []byte) ([]*unstructured.Unstructured, error) {
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var objs []*unstructured.Unstructured
	for i := 0; ; i++ {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if err.Error() == "EOF" {
				return objs, nil
			}
			return nil, fmt.Errorf("%s: object %d: %w\n%s", name, i, err, b)
		}
		if len(m) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		if u.GetKind() == "" || u.GetAPIVersion() == "" || u.GetName() == "" {
			return nil, fmt.Errorf("%s: object %d: needs apiVersion, kind and metadata.name", name, i)
		}
		objs = append(objs, u)
	}
}
