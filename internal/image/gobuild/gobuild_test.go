package gobuild

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestToolsGoBlankImportsEveryPackage(t *testing.T) {
	w := WrapperModule{Packages: []string{"a.example/cmd/x", "b.example/y"}}
	got := string(w.ToolsGo())
	for _, want := range []string{"//go:build tools", "package tools", `_ "a.example/cmd/x"`, `_ "b.example/y"`} {
		if !strings.Contains(got, want) {
			t.Errorf("tools.go lacks %q:\n%s", want, got)
		}
	}
}

func TestToolKeyCoversOnlyItsOwnLocalSource(t *testing.T) {
	w := WrapperModule{Path: "drainproof.local/build/kubernetes", Go: "1.24.0",
		Require: map[string]string{"k8s.io/kubernetes": "v1.33.13"}, Packages: []string{"k8s.io/kubernetes/cmd/kubelet"},
		Files: map[string][]byte{"kindnet-lite/main.go": []byte("package main // v1")}}
	k8s := Tool{Name: "kubernetes", Wrapper: w, Build: w.Packages}
	kindnet := Tool{Name: "kindnet-lite", Wrapper: w, Build: []string{"./kindnet-lite"}}
	k1, n1 := k8s.Key("go1.26"), kindnet.Key("go1.26")
	w.Files = map[string][]byte{"kindnet-lite/main.go": []byte("package main // v2")}
	k8s.Wrapper, kindnet.Wrapper = w, w
	if k8s.Key("go1.26") != k1 {
		t.Fatal("editing kindnet-lite changed the Kubernetes binaries' key (would relink them all)")
	}
	if kindnet.Key("go1.26") == n1 {
		t.Fatal("editing kindnet-lite did not change its own key")
	}
	if kindnet.Key("go1.27") == kindnet.Key("go1.26") {
		t.Fatal("the Go version is not part of the key")
	}
	if got := kindnet.Binaries(); len(got) != 1 || got[0] != "kindnet-lite" {
		t.Fatalf("binaries = %v", got)
	}
}

func TestToolKeyCoversBuildTags(t *testing.T) {
	w := WrapperModule{Path: "drainproof.local/build/istio", Go: "1.26.0",
		Require: map[string]string{"istio.io/istio": "v0.0.0-20260827124520-eed52ebb66ad"}, Packages: []string{"istio.io/istio/pilot/cmd/pilot-agent"}}
	plain := Tool{Name: "pilot-agent", Wrapper: w}
	tagged := Tool{Name: "pilot-agent", Wrapper: w, Tags: []string{"agent", "disable_pgv"}}
	if plain.Key("go1.26") == tagged.Key("go1.26") {
		t.Fatal("build tags are not part of the key (a binary built with other tags would be reused)")
	}
	if p := (Tool{Name: "pilot-agent", Wrapper: w, Parallel: 1}); p.Key("go1.26") != plain.Key("go1.26") {
		t.Fatal("-p changed the key: it changes no output")
	}
}

func TestParseModuleListReturnsRefusedModules(t *testing.T) {
	// what `go list -m -e -json k8s.io/sample-cli-plugin@v0.34.4 k8s.io/api@v0.35.4` printed here
	out := []byte(`{
	"Path": "k8s.io/sample-cli-plugin",
	"Version": "v0.34.4",
	"Error": {
		"Err": "k8s.io/sample-cli-plugin@v0.34.4: reading https://proxy.golang.org/k8s.io/sample-cli-plugin/@v/v0.34.4.info: 403 Forbidden\n\tserver response: This module version is not available."
	}
}
{
	"Path": "k8s.io/api",
	"Version": "v0.35.4",
	"GoMod": "/root/go/pkg/mod/cache/download/k8s.io/api/@v/v0.35.4.mod"
}
`)
	got, err := parseModuleList(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Module != "k8s.io/sample-cli-plugin@v0.34.4" || !strings.Contains(got[0].Reason, "403 Forbidden") {
		t.Fatalf("parseModuleList = %+v", got)
	}
	if _, err := parseModuleList([]byte("{not json")); err == nil {
		t.Fatal("garbage must be an error")
	}
}

func TestReadMainDirectivesRestatesReplaceAndExclude(t *testing.T) {
	p := filepath.Join(t.TempDir(), "go.mod")
	src := `module example.com/gw/v3

go 1.25.0

require github.com/gorilla/mux v1.8.1

replace (
	github.com/gorilla/mux => github.com/containous/mux v0.0.0-20250523120546-41b6ec3aed59
	github.com/a/b v1.0.0 => github.com/c/b v1.0.1
)

exclude github.com/x/y v3.0.83+incompatible
`
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := ReadMainDirectives(p)
	if err != nil {
		t.Fatal(err)
	}
	w := d.Wrapper("drainproof.local/build/gw", "example.com/gw/v3", "v3.0.0", "example.com/gw/v3/cmd/gw")
	got := string(w.GoMod())
	for _, want := range []string{
		"go 1.25.0\n",
		"\texample.com/gw/v3 v3.0.0\n",
		"\tgithub.com/gorilla/mux => github.com/containous/mux v0.0.0-20250523120546-41b6ec3aed59\n",
		"\tgithub.com/a/b v1.0.0 => github.com/c/b v1.0.1\n",
		"exclude (\n\tgithub.com/x/y v3.0.83+incompatible\n)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("wrapper go.mod lacks %q:\n%s", want, got)
		}
	}
	if err := os.WriteFile(p, []byte("module m\n\ngo 1.25.0\n\nreplace a.example/x => ./x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMainDirectives(p); err == nil || !strings.Contains(err.Error(), "a.example/x => ./x") {
		t.Fatalf("local replacement: err = %v, want it named", err)
	}
}
