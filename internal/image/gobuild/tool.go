package gobuild

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// Tool is one program set built through a wrapper module.
type Tool struct {
	Name    string // cache name, e.g. "etcd"
	SrcName string // wrapper directory name when shared with another tool (default Name)
	Wrapper WrapperModule
	Build   []string // packages to build (default: the wrapper's Packages and Local)
	Tags    []string // build tags (go build -tags)
	LDFlags string
	Binary  string // when set (one package only): output file name instead of the package's base name
	// Parallel is go build's -p (0: Go's default, one per core). It changes no output, so it is
	// not part of the key; 1 bounds the memory of very large builds on a shared machine.
	Parallel int
}

// Packages are what `go build` builds.
func (t Tool) Packages() []string {
	if t.Build != nil {
		return t.Build
	}
	return append(append([]string(nil), t.Wrapper.Packages...), t.Wrapper.Local...)
}

// Key identifies the tool's outputs: the module graph (go.mod, tools.go), the source of the
// local packages it builds (not of other local packages sharing the wrapper), tags, flags, Go.
func (t Tool) Key(goVersion string) string {
	parts := []string{t.Name, string(t.Wrapper.GoMod()), string(t.Wrapper.ToolsGo()), strings.Join(t.Packages(), " "), t.LDFlags, t.Binary, goVersion}
	for _, p := range t.Packages() {
		dir := strings.TrimPrefix(p, "./")
		for _, f := range SortedKeys(toStrings(t.Wrapper.Files)) {
			if path.Dir(f) == dir {
				parts = append(parts, f, string(t.Wrapper.Files[f]))
			}
		}
	}
	if len(t.Tags) > 0 { // appended only when set: keys of untagged tools stay as they were
		parts = append(parts, "tags="+strings.Join(t.Tags, ","))
	}
	return imgbuild.Key(parts...)
}

// Binaries are the output file names.
func (t Tool) Binaries() []string {
	if t.Binary != "" {
		return []string{t.Binary}
	}
	var bs []string
	for _, p := range t.Packages() {
		bs = append(bs, path.Base(p))
	}
	return bs
}

// BinDir is where t's binaries are for goVersion: <cache>/bin/<name>-<key>.
func (t Tool) BinDir(cache, goVersion string) string {
	return filepath.Join(cache, "bin", t.Name+"-"+t.Key(goVersion))
}

// Built returns BinDir and true when t is already built there for goVersion (stamped with its key,
// every binary present); it never builds.
func (t Tool) Built(cache, goVersion string) (dir string, ok bool) {
	dir = t.BinDir(cache, goVersion)
	return dir, imgbuild.HasStamp(filepath.Join(dir, ".stamp"), t.Key(goVersion)) && allExist(dir, t.Binaries())
}

// Ensure builds t into BinDir unless already there (stamped with its key). The wrapper module
// lives in <cache>/src/<SrcName>; `go mod tidy` runs only when its inputs change. Callers that
// share a cache directory serialise through their own lock.
func (t Tool) Ensure(ctx context.Context, cache, goVersion string) (dir string, cached bool, err error) {
	key := t.Key(goVersion)
	dir = t.BinDir(cache, goVersion)
	stamp := filepath.Join(dir, ".stamp")
	if imgbuild.HasStamp(stamp, key) && allExist(dir, t.Binaries()) {
		return dir, true, nil
	}
	srcName := t.SrcName
	if srcName == "" {
		srcName = t.Name
	}
	src := filepath.Join(cache, "src", srcName)
	if err := t.Wrapper.write(ctx, src); err != nil {
		return "", false, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, err
	}
	out := dir + string(filepath.Separator)
	if t.Binary != "" {
		out = filepath.Join(dir, t.Binary)
	}
	args := []string{"build", "-trimpath"}
	if t.Parallel > 0 {
		args = append(args, fmt.Sprintf("-p=%d", t.Parallel))
	}
	if len(t.Tags) > 0 {
		args = append(args, "-tags="+strings.Join(t.Tags, ","))
	}
	args = append(append(args, "-ldflags", t.LDFlags, "-o", out), t.Packages()...)
	if err := Cmd(ctx, src, args...); err != nil {
		return "", false, err
	}
	return dir, false, imgbuild.WriteStamp(stamp, key)
}

// write lays the wrapper out in src and tidies it, unless src already holds these inputs.
// `go mod tidy` rewrites go.mod, so what was written is remembered by its key in inputs.key.
func (w WrapperModule) write(ctx context.Context, src string) error {
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	in := []byte(w.InputsKey())
	if prev, _ := os.ReadFile(filepath.Join(src, "inputs.key")); bytes.Equal(prev, in) && exists(filepath.Join(src, "go.sum")) {
		return nil
	}
	files := map[string][]byte{"go.mod": w.GoMod(), "tools.go": w.ToolsGo()}
	for name, data := range w.Files {
		files[name] = data
	}
	for name, data := range files {
		p := filepath.Join(src, filepath.FromSlash(name))
		if data == nil {
			_ = os.Remove(p)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	_ = os.Remove(filepath.Join(src, "go.sum"))
	if err := Cmd(ctx, src, "mod", "tidy"); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(src, "inputs.key"), in, 0o644)
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func allExist(dir string, names []string) bool {
	for _, n := range names {
		if !exists(filepath.Join(dir, n)) {
			return false
		}
	}
	return true
}
