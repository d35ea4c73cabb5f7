package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Object is one Kubernetes object as read, with where it came from.
type Object struct {
	// Raw is the decoded object (JSON types: map[string]any, []any, string,
	// float64/int64, bool).
	Raw    map[string]any
	Source Source
	// renderedBy names what produced Raw from the object read at Source
	// (InjectIstio: Istio's injection); "" for an object as read.
	renderedBy string
}

// Source is where an object was read: a file (or "-" for stdin), the
// 1-based document in it and the line the object starts on.
type Source struct {
	File     string `json:"file"`
	Document int    `json:"document,omitempty"`
	Line     int    `json:"line,omitempty"`
}

func (s Source) String() string {
	switch {
	case s.File == "":
		return ""
	case s.Line > 0:
		return fmt.Sprintf("%s:%d (document %d)", s.File, s.Line, s.Document)
	case s.Document > 0:
		return fmt.Sprintf("%s (document %d)", s.File, s.Document)
	}
	return s.File
}

// ReadError is input that is not Kubernetes objects; it names the file and
// the document (and line, where the YAML parser knows it).
type ReadError struct {
	Source Source
	Err    error
}

func (e *ReadError) Error() string { return e.Source.String() + ": " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// Kind, Namespace and Name of an object ("" where absent).
func (o Object) Kind() string       { return str(o.Raw["kind"]) }
func (o Object) APIVersion() string { return str(o.Raw["apiVersion"]) }
func (o Object) Name() string       { return str(path(o.Raw, "metadata", "name")) }
func (o Object) Namespace() string  { return str(path(o.Raw, "metadata", "namespace")) }

// Read decodes every object in r: YAML documents separated by "---" (Helm's
// rendered output included: comment-only documents are skipped), JSON, and
// any kind ending in "List" (v1 List, DeploymentList, kubectl get -o yaml),
// whose items become objects of their own. name is what errors and findings
// call the input (a file path, or "-").
func Read(name string, r io.Reader) ([]Object, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, &ReadError{Source{File: name}, err}
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var out []Object
	for doc := 1; ; doc++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		src := Source{File: name, Document: doc}
		if err != nil {
			return nil, &ReadError{src, err}
		}
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			src.Line = n.Content[0].Line
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, &ReadError{src, err}
		}
		if v == nil {
			continue // empty or comment-only document (Helm)
		}
		m, err := normalize(v)
		if err != nil {
			return nil, &ReadError{src, err}
		}
		objs, err := flatten(m, src)
		if err != nil {
			return nil, &ReadError{src, err}
		}
		out = append(out, objs...)
	}
}

// normalize turns a YAML value into JSON types through a JSON round trip, so
// typed decoding (corev1.PodSpec) sees exactly what the API server would.
func normalize(v any) (map[string]any, error) {
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("not a Kubernetes object (a %T, want a mapping with apiVersion and kind)", v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

func flatten(m map[string]any, src Source) ([]Object, error) {
	kind := str(m["kind"])
	if kind == "" || str(m["apiVersion"]) == "" {
		return nil, errors.New("needs apiVersion and kind")
	}
	if !strings.HasSuffix(kind, "List") {
		return []Object{{Raw: m, Source: src}}, nil
	}
	items, _ := m["items"].([]any)
	var out []Object
	for i, it := range items {
		im, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("items[%d]: not an object", i)
		}
		if str(im["kind"]) == "" {
			// kubectl omits item kinds in typed lists (DeploymentList).
			im["kind"] = strings.TrimSuffix(kind, "List")
			if str(im["apiVersion"]) == "" {
				im["apiVersion"] = m["apiVersion"]
			}
		}
		objs, err := flatten(im, src)
		if err != nil {
			return nil, fmt.Errorf("items[%d]: %w", i, err)
		}
		out = append(out, objs...)
	}
	return out, nil
}

func str(v any) string { s, _ := v.(string); return s }

// path walks nested maps; nil when any step is missing.
func path(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}
