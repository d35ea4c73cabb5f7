package airgap

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// WrapperModule is a throw-away Go module that requires a third-party module and blank-imports
// its main packages so `go build` can build them. Why not `go install pkg@version`: it refuses
// modules whose go.mod has replace directives (etcd, k8s.io/kubernetes), and it looks up @latest
// for deprecation notices, which this proxy answers with 403 for some modules (cri-tools).
type WrapperModule struct {
	Path     string            // module path of the wrapper, e.g. drainproof.local/build/etcd
	Go       string            // go directive, e.g. "1.24.0"
	Require  map[string]string // module -> version
	Replace  map[string]string // module -> "module version" (replacement)
	Packages []string          // main packages to build
}

// GoMod renders the wrapper's go.mod (sorted, so equal inputs give equal bytes).
func (w WrapperModule) GoMod() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "module %s\n\ngo %s\n", w.Path, w.Go)
	if len(w.Require) > 0 {
		b.WriteString("\nrequire (\n")
		for _, m := range sortedKeys(w.Require) {
			fmt.Fprintf(&b, "\t%s %s\n", m, w.Require[m])
		}
		b.WriteString(")\n")
	}
	if len(w.Replace) > 0 {
		b.WriteString("\nreplace (\n")
		for _, m := range sortedKeys(w.Replace) {
			fmt.Fprintf(&b, "\t%s => %s\n", m, w.Replace[m])
		}
		b.WriteString(")\n")
	}
	return b.Bytes()
}

// ToolsGo renders a file that blank-imports the packages (build-tagged so it never compiles into
// anything; it only makes `go mod tidy` keep their dependencies).
func (w WrapperModule) ToolsGo() []byte {
	var b bytes.Buffer
	b.WriteString("//go:build tools\n\npackage tools\n\nimport (\n")
	for _, p := range w.Packages {
		fmt.Fprintf(&b, "\t_ %q\n", p)
	}
	b.WriteString(")\n")
	return b.Bytes()
}

// KubernetesWrapper is the wrapper for k8s.io/kubernetes at version v: its go.mod replaces every
// k8s.io staging module with ./staging/..., paths that are not in the module zip, so the wrapper
// replaces each of them with its published twin at stagingVersion instead.
func KubernetesWrapper(k8sGoMod []byte, version, stagingVersion string, pkgs []string) (WrapperModule, error) {
	goLine, staging, err := parseStaging(k8sGoMod)
	if err != nil {
		return WrapperModule{}, err
	}
	w := WrapperModule{
		Path:     "drainproof.local/build/kubernetes",
		Go:       goLine,
		Require:  map[string]string{"k8s.io/kubernetes": "v" + version},
		Replace:  map[string]string{},
		Packages: pkgs,
	}
	for _, m := range staging {
		w.Replace[m] = m + " " + stagingVersion
	}
	return w, nil
}

// parseStaging returns the go directive and the modules k8s.io/kubernetes's go.mod replaces with
// ./staging directories.
func parseStaging(goMod []byte) (goLine string, staging []string, err error) {
	sc := bufio.NewScanner(bytes.NewReader(goMod))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "go" {
			goLine = f[1]
		}
		// block form "k8s.io/api => ./staging/src/k8s.io/api" or single "replace k8s.io/api => ./staging/..."
		if len(f) >= 1 && f[0] == "replace" {
			f = f[1:]
		}
		if len(f) == 3 && f[1] == "=>" && strings.HasPrefix(f[2], "./staging/") {
			staging = append(staging, f[0])
		}
	}
	if goLine == "" {
		return "", nil, fmt.Errorf("k8s.io/kubernetes go.mod: no go directive")
	}
	if len(staging) == 0 {
		return "", nil, fmt.Errorf("k8s.io/kubernetes go.mod: no ./staging replace directives (not the kubernetes module?)")
	}
	sort.Strings(staging)
	return goLine, staging, nil
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
