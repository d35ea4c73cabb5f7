// Package buildinfo says which drainproof this is: its version and commit
// (set with -ldflags, else read from the Go build information), the
// versions of modules it was built with (kind) and the host it runs on.
// Reports record it so every result says what produced it.
package buildinfo

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set at link time, e.g.
//
//	go build -ldflags "-X github.com/drainproof/drainproof/internal/buildinfo.version=v0.2.0 -X github.com/drainproof/drainproof/internal/buildinfo.commit=$(git rev-parse HEAD)"
//
// Empty: taken from debug.ReadBuildInfo.
var version, commit string

// Version is drainproof's version: the -ldflags value, else the main
// module's version ("(devel)" for a build from a checkout), else "unknown".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "unknown"
}

// Commit is the VCS revision drainproof was built from, with "-dirty" when
// the work tree had changes: the -ldflags value, else vcs.revision from the
// build information, else "unknown" (go test and go run record none).
func Commit() string {
	if commit != "" {
		return commit
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev == "" {
		return "unknown"
	}
	return rev + dirty
}

// Module is the version of a dependency drainproof was built with, e.g.
// Module("sigs.k8s.io/kind"); "" when it is not a dependency.
func Module(path string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, d := range bi.Deps {
		if d.Path == path {
			if d.Replace != nil && d.Replace.Version != "" {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return ""
}

// Host describes the machine drainproof runs on (not its name): OS and
// architecture, CPUs, and on Linux the kernel release.
func Host() string {
	s := fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		s += ", kernel " + strings.TrimSpace(string(b))
	}
	return s + ", " + runtime.Version()
}
