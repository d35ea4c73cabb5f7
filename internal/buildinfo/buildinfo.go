// Package buildinfo says which drainproof this is: its version and commit.
//
// The release build sets both with -ldflags (see the Makefile):
//
//	-X github.com/drainproof/drainproof/internal/buildinfo.version=v0.3.0
//	-X github.com/drainproof/drainproof/internal/buildinfo.commit=0123abcd...
//
// Without them, Read falls back to what the Go toolchain embedded
// (debug.ReadBuildInfo: the module version, vcs.revision, vcs.modified), and
// says "unknown" rather than guess.
package buildinfo

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set by -ldflags -X; empty in a plain `go build`.
var (
	version string
	commit  string
)

// Unknown is what a field says when neither -ldflags nor the toolchain knew it.
const Unknown = "unknown"

// Info is one build's identity.
type Info struct {
	Version   string `json:"version"`            // v0.3.0, a pseudo-version, or "unknown"
	Commit    string `json:"commit"`             // full revision, or "unknown"
	Modified  bool   `json:"modified,omitempty"` // built from a tree with uncommitted changes (vcs.modified)
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"` // GOOS/GOARCH
}

// Read returns this binary's build info: -ldflags first, the toolchain's
// embedded build info second.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(version, commit, bi)
}

// resolve merges the -ldflags values with the toolchain's build info (nil
// when the binary has none). Note: the go command embeds no vcs.* settings
// with -buildvcs=false, nor in a git worktree (.git is a file there), so
// release builds pass the commit with -ldflags.
func resolve(version, commit string, bi *debug.BuildInfo) Info {
	i := Info{Version: version, Commit: commit, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if i.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			i.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if i.Commit == "" {
					i.Commit = s.Value
				}
			case "vcs.modified":
				i.Modified = s.Value == "true"
			}
		}
	}
	if i.Version == "" {
		i.Version = Unknown
	}
	if i.Commit == "" {
		i.Commit = Unknown
	}
	return i
}

// ShortCommit is the commit's first 12 characters (or the whole when shorter).
func (i Info) ShortCommit() string {
	if len(i.Commit) > 12 {
		return i.Commit[:12]
	}
	return i.Commit
}

// String is the one-line form: "v0.3.0 (commit 0123abcd4567, modified) go1.26.8 linux/amd64".
func (i Info) String() string {
	c := i.ShortCommit()
	if i.Modified {
		c += ", modified"
	}
	return fmt.Sprintf("%s (commit %s) %s %s", i.Version, c, i.GoVersion, i.Platform)
}

// Version is Read().Version (reports use it; one source for both).
func Version() string { return Read().Version }

// Commit is Read().Commit, with "-dirty" when the tree had changes.
func Commit() string {
	i := Read()
	if i.Modified {
		return i.Commit + "-dirty"
	}
	return i.Commit
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
