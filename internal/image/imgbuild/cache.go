package imgbuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// ModulePath is the import path of the drainproof module, whose source the builders need.
const ModulePath = "github.com/drainproof/drainproof"

// CacheRoot is where drainproof keeps what it builds: $DRAINPROOF_CACHE, else
// <user cache dir>/drainproof (~/.cache/drainproof).
func CacheRoot() (string, error) {
	if d := os.Getenv("DRAINPROOF_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set DRAINPROOF_CACHE): %w", err)
	}
	return filepath.Join(d, "drainproof"), nil
}

// Key hashes its parts (order matters) into a short hex key for cache paths and image tags.
func Key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// FileKey is Key of a file's content (binaries are keyed by what they are, so a relink that
// changes nothing keeps the images made from them).
func FileKey(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return Key(string(data)), nil
}

// HasStamp reports whether stamp file path exists and holds key.
func HasStamp(path, key string) bool {
	b, err := os.ReadFile(path)
	return err == nil && strings.TrimSpace(string(b)) == key
}

// WriteStamp records that the output guarded by path was built for key.
func WriteStamp(path, key string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(key+"\n"), 0o644)
}

// ModuleRoot finds the drainproof source tree: $DRAINPROOF_SRC, else the nearest directory at or
// above the working directory whose go.mod declares ModulePath.
func ModuleRoot() (string, error) {
	if d := os.Getenv("DRAINPROOF_SRC"); d != "" {
		if !isDrainproofRoot(d) {
			return "", fmt.Errorf("DRAINPROOF_SRC=%s: no go.mod declaring module %s there", d, ModulePath)
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if isDrainproofRoot(d) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("drainproof source tree not found above %s (images are built from it; run from the repository or set DRAINPROOF_SRC)", wd)
		}
	}
}

func isDrainproofRoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return f[1] == ModulePath
		}
	}
	return false
}

// GoVersion is `go env GOVERSION` of the go command on PATH (which builds everything).
func GoVersion(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOVERSION (Go is needed to build images): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// SourceKey hashes the main module's own source that pkgs depend on: every non-test file in
// every main-module package in `go list -deps pkgs` and their embedded files, plus go.mod and
// go.sum. Third-party code
// is pinned by go.sum, so it is covered by hashing go.sum.
func SourceKey(ctx context.Context, root string, pkgs ...string) (string, error) {
	args := append([]string{"list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}D {{.Dir}}\n{{range .EmbedFiles}}E {{$.Dir}}/{{.}}\n{{end}}{{else}}M {{.Module.Path}}@{{.Module.Version}}\n{{end}}{{end}}"}, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %v: %s", strings.Join(pkgs, " "), err, strings.TrimSpace(stderr.String()))
	}
	var dirs, embeds []string
	mods := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		switch k, v, _ := strings.Cut(line, " "); k {
		case "D":
			dirs = append(dirs, v)
		case "E":
			embeds = append(embeds, v)
		case "M":
			mods[v] = true
		}
	}
	sort.Strings(dirs)
	sort.Strings(embeds)
	h := sha256.New()
	hashFile := func(rel, abs string) error {
		f, err := os.Open(abs)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(h, "%s\x00", rel)
		_, err = io.Copy(h, f)
		return err
	}
	modList := make([]string, 0, len(mods))
	for m := range mods {
		modList = append(modList, m)
	}
	sort.Strings(modList)
	fmt.Fprintf(h, "modules\x00%s\x00", strings.Join(modList, "\n"))
	for _, d := range dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			return "", err
		}
		for _, e := range ents {
			n := e.Name()
			if !e.Type().IsRegular() || strings.HasSuffix(n, "_test.go") {
				continue
			}
			rel, _ := filepath.Rel(root, filepath.Join(d, n))
			if err := hashFile(rel, filepath.Join(d, n)); err != nil {
				return "", err
			}
		}
	}
	for _, f := range embeds {
		rel, _ := filepath.Rel(root, f)
		if err := hashFile(rel, f); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
