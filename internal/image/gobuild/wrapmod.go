package gobuild

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// WrapperModule is a throw-away Go module that requires a third-party module and blank-imports
// its main packages so `go build` can build them. Why not `go install pkg@version`: it refuses
// modules whose go.mod has replace directives (etcd, k8s.io/kubernetes), and it looks up @latest
// for deprecation notices, which this proxy answers with 403 for some modules (cri-tools).
type WrapperModule struct {
	Path     string            // module path of the wrapper, e.g. drainproof.local/build/etcd
	Go       string            // go directive, e.g. "1.24.0"
	Require  map[string]string // module -> version
	Replace  map[string]string // module (or "module version") -> "module version" (replacement)
	Exclude  []string          // "module version" excluded from the build list
	Packages []string          // third-party main packages to build (blank-imported by tools.go)
	Files    map[string][]byte // our own files in the module (e.g. "main.go", "kindnet-lite/main.go")
	Local    []string          // main packages among Files to build, e.g. "." or "./kindnet-lite"
}

// InputsKey identifies everything written into the wrapper directory.
func (w WrapperModule) InputsKey() string {
	parts := []string{string(w.GoMod()), string(w.ToolsGo())}
	for _, f := range SortedKeys(toStrings(w.Files)) {
		parts = append(parts, f, string(w.Files[f]))
	}
	return imgbuild.Key(parts...)
}

func toStrings(m map[string][]byte) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

// GoMod renders the wrapper's go.mod (sorted, so equal inputs give equal bytes).
func (w WrapperModule) GoMod() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "module %s\n\ngo %s\n", w.Path, w.Go)
	if len(w.Require) > 0 {
		b.WriteString("\nrequire (\n")
		for _, m := range SortedKeys(w.Require) {
			fmt.Fprintf(&b, "\t%s %s\n", m, w.Require[m])
		}
		b.WriteString(")\n")
	}
	if len(w.Replace) > 0 {
		b.WriteString("\nreplace (\n")
		for _, m := range SortedKeys(w.Replace) {
			fmt.Fprintf(&b, "\t%s => %s\n", m, w.Replace[m])
		}
		b.WriteString(")\n")
	}
	if len(w.Exclude) > 0 {
		ex := append([]string(nil), w.Exclude...)
		sort.Strings(ex)
		b.WriteString("\nexclude (\n")
		for _, e := range ex {
			fmt.Fprintf(&b, "\t%s\n", e)
		}
		b.WriteString(")\n")
	}
	return b.Bytes()
}

// ToolsGo renders a file that blank-imports the packages (build-tagged so it never compiles into
// anything; it only makes `go mod tidy` keep their dependencies). Nil when there are none.
func (w WrapperModule) ToolsGo() []byte {
	if len(w.Packages) == 0 {
		return nil
	}
	var b bytes.Buffer
	b.WriteString("//go:build tools\n\npackage tools\n\nimport (\n")
	for _, p := range w.Packages {
		fmt.Fprintf(&b, "\t_ %q\n", p)
	}
	b.WriteString(")\n")
	return b.Bytes()
}

// SortedKeys returns m's keys in order.
func SortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
