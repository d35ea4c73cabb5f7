package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// A case is a manifest file in testdata/<rule>/ (or testdata/good/) and,
// beside it, NAME.want.yaml: what the case is and exactly the findings lint
// must give (none for a good configuration).
type wantFile struct {
	Description string        `json:"description"`
	Findings    []wantFinding `json:"findings"`
}

type wantFinding struct {
	Rule      string `json:"rule"`
	Object    string `json:"object"` // Kind/namespace/name
	Container string `json:"container"`
	Field     string `json:"field"`
	Versus    string `json:"versus"`
}

func (w wantFinding) String() string {
	return fmt.Sprintf("%s %s container=%s field=%s versus=%s", w.Rule, w.Object, w.Container, w.Field, w.Versus)
}

func asWant(f Finding) wantFinding {
	w := wantFinding{Rule: f.Rule, Object: f.Object.String(), Container: f.Container, Field: f.Field.Path}
	if f.Versus != nil {
		w.Versus = f.Versus.Path
	}
	return w
}

func TestCases(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	rulesSeen := map[string]bool{}
	for _, in := range inputs {
		if strings.HasSuffix(in, ".want.yaml") {
			continue
		}
		n++
		t.Run(strings.TrimSuffix(in[len("testdata/"):], ".yaml"), func(t *testing.T) {
			b, err := os.ReadFile(strings.TrimSuffix(in, ".yaml") + ".want.yaml")
			if err != nil {
				t.Fatalf("every case needs its .want.yaml: %v", err)
			}
			var want wantFile
			if err := yaml.UnmarshalStrict(b, &want); err != nil {
				t.Fatal(err)
			}
			if want.Description == "" {
				t.Fatal("want file: description says what the case is")
			}
			dir := filepath.Base(filepath.Dir(in))
			if dir != "good" && len(want.Findings) == 0 {
				t.Fatalf("a case under testdata/%s must expect that rule's finding", dir)
			}
			f, err := os.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			objs, err := Read(in, f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Check(objs, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var gotW []string
			for _, g := range got {
				gotW = append(gotW, asWant(g).String())
				rulesSeen[g.Rule] = true
				checkComplete(t, g)
			}
			var wantW []string
			for _, w := range want.Findings {
				wantW = append(wantW, w.String())
			}
			slices.Sort(gotW)
			slices.Sort(wantW)
			if !slices.Equal(gotW, wantW) {
				var sb strings.Builder
				WriteText(&sb, got)
				t.Errorf("%s\n got:\n  %s\n want:\n  %s\n text:\n%s", want.Description, strings.Join(gotW, "\n  "), strings.Join(wantW, "\n  "), sb.String())
			}
			if dir != "good" {
				hit := false
				for _, g := range got {
					hit = hit || g.Rule == dir
				}
				if !hit {
					t.Errorf("a case under testdata/%s must give that rule's finding", dir)
				}
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d cases found", n)
	}
	for _, r := range Rules() {
		if !rulesSeen[r.Name] {
			t.Errorf("rule %s has no case that gives its finding", r.Name)
		}
	}
}

// checkComplete: every finding names the object, field path and value,
// what goes wrong and the fix.
func checkComplete(t *testing.T, f Finding) {
	t.Helper()
	if f.Object.Kind == "" || f.Object.Name == "" || f.Object.Namespace == "" || f.Field.Path == "" || f.Field.Value == "" || f.Message == "" || f.Fix == "" || f.Source.File == "" {
		t.Errorf("incomplete finding: %+v", f)
	}
	if f.Versus != nil && (f.Versus.Path == "" || f.Versus.Value == "") {
		t.Errorf("incomplete versus: %+v", f)
	}
}
