package lint

import (
	"errors"
	"strings"
	"testing"
)

func TestReadForms(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // Kind/name of each object
	}{
		{"multi-document with Helm's empty and comment-only documents", "---\n# Source: a.yaml\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n", []string{"Pod/a", "Service/s"}},
		{"v1 List", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n- {apiVersion: apps/v1, kind: Deployment, metadata: {name: d}}\n", []string{"Pod/a", "Deployment/d"}},
		{"typed list without item kinds", "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- metadata: {name: d}\n", []string{"Deployment/d"}},
		{"JSON", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"}}`, []string{"Pod/j"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := Read("in.yaml", strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.Kind()+"/"+o.Name())
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReadErrorsNameDocumentAndLine(t *testing.T) {
	_, err := Read("x.yaml", strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n- just\n- a list\n"))
	var re *ReadError
	if !errors.As(err, &re) || re.Source.Document != 2 || re.Source.Line != 5 || !strings.Contains(err.Error(), "x.yaml:5 (document 2)") {
		t.Fatalf("err %v, want x.yaml:5 (document 2)", err)
	}
	_, err = Read("y.yaml", strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata: {name: a\n"))
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "y.yaml (document 1)") || !strings.Contains(err.Error(), "line") {
		t.Fatalf("err %v, want y.yaml (document 1) and the parser's line", err)
	}
}
