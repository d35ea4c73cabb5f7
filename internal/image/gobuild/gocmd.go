package gobuild

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Env is the environment of every go command here. CGO_ENABLED=0 and -trimpath (in Build) make
// static, reproducible binaries and match the flags of any warm-up build, so its build cache hits.
func Env() []string {
	return append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false", "GOWORK=off", "GOTOOLCHAIN=local")
}

// Cmd runs `go args...` in dir with Env; the error carries the tail of its output.
func Cmd(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = dir, Env()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if len(msg) > 4000 {
			msg = "..." + msg[len(msg)-4000:]
		}
		return fmt.Errorf("go %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, msg)
	}
	return nil
}

// ModuleInfo runs `go mod download -json mod@version` (outside any module, in scratch) and
// returns its fields (dir: the extracted source in the module cache, goMod: its go.mod file).
func ModuleInfo(ctx context.Context, scratch, mod, version string) (dir, goMod string, err error) {
	return moduleInfo(ctx, scratch, mod, version, Env())
}

// CachedModuleInfo is ModuleInfo from the module cache alone (GOPROXY=off): an error, never a
// download, when mod@version is not there.
func CachedModuleInfo(ctx context.Context, scratch, mod, version string) (dir, goMod string, err error) {
	return moduleInfo(ctx, scratch, mod, version, append(Env(), "GOPROXY=off"))
}

func moduleInfo(ctx context.Context, scratch, mod, version string, env []string) (dir, goMod string, err error) {
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return "", "", err
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", mod+"@"+version)
	cmd.Dir, cmd.Env = scratch, env
	out, err := cmd.Output()
	var info struct{ Dir, GoMod, Error string }
	_ = json.Unmarshal(out, &info)
	if err != nil || info.Error != "" || info.Dir == "" {
		return "", "", fmt.Errorf("go mod download %s@%s (module proxy reachable?): %v %s", mod, version, err, info.Error)
	}
	return info.Dir, info.GoMod, nil
}

// Refused is a module the proxy would not serve, with go's reason.
type Refused struct {
	Module string // path@version
	Reason string
}

// RefusedModules asks the module proxy about every path@version in mods with one `go list -m -e
// -json` (run in scratch, outside any module: the version's .info and go.mod, which is what
// resolving a module graph needs; a zip the build never compiles may be withheld and is not
// asked for) and returns those it refused, in mods' order. A failure naming no module is the
// error.
func RefusedModules(ctx context.Context, scratch string, mods []string) ([]Refused, error) {
	if len(mods) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "go", append([]string{"list", "-m", "-e", "-json"}, mods...)...)
	var stderr bytes.Buffer
	cmd.Dir, cmd.Env, cmd.Stderr = scratch, append(Env(), "GOFLAGS=-mod=mod"), &stderr
	out, runErr := cmd.Output()
	refused, err := parseModuleList(out)
	if err != nil {
		return nil, err
	}
	if runErr != nil && len(refused) == 0 {
		return nil, fmt.Errorf("go list -m %s (module proxy reachable?): %v %s", strings.Join(mods, " "), runErr, strings.TrimSpace(stderr.String()))
	}
	return refused, nil
}

// parseModuleList reads the JSON stream of `go list -m -e -json` and returns the modules with an
// Error.
func parseModuleList(out []byte) ([]Refused, error) {
	var refused []Refused
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var m struct {
			Path, Version string
			Error         *struct{ Err string }
		}
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("go list -m -json: %w", err)
		}
		if m.Error != nil {
			refused = append(refused, Refused{Module: m.Path + "@" + m.Version, Reason: m.Error.Err})
		}
	}
	return refused, nil
}
