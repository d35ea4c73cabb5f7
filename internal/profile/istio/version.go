package istio

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The pinned Istio module: the Istio 1.31 line, pseudo-version v0.0.0-20260827124520-eed52ebb66ad,
// not an approved release — the only Istio module the proxy serves (see the package doc for why
// not the 1.30 line).
const (
	Module  = "istio.io/istio"
	Version = "v0.0.0-20260827124520-eed52ebb66ad"
	// Line is the Istio minor line of Version (its VERSION file); Build fails if they differ.
	Line = "1.31"
)

// BuildVersion is what the binaries report as their version (pkg/version.buildVersion), in the
// form of Istio's own dev builds ("1.31-alpha.<commit>"): istiod parses the proxies' version to
// choose features, so it must start with the line.
func BuildVersion() string {
	return Line + "-alpha." + Version[strings.LastIndex(Version, "-")+1:]
}

// Istio's own build tags (Makefile.core.mk): STANDARD_TAGS for istiod and istioctl, AGENT_TAGS
// for pilot-agent (they trim the agent's dependencies).
var (
	standardTags = []string{"vtprotobuf", "disable_pgv"}
	agentTags    = []string{"agent", "disable_pgv", "grpcnotrace", "retrynotrace"}
)

// Main packages built from the module.
const (
	pilotDiscoveryPkg = Module + "/pilot/cmd/pilot-discovery"
	pilotAgentPkg     = Module + "/pilot/cmd/pilot-agent"
	istioctlPkg       = Module + "/istioctl/cmd/istioctl"
)

// ldflags stamps the version the way common/scripts/report_build_info.sh does.
func ldflags() string {
	f := []string{"-s", "-w"}
	for _, kv := range []string{
		"buildVersion=" + BuildVersion(), "buildGitRevision=" + Version, "buildStatus=Clean",
		"buildTag=" + Line, "buildHub=drainproof", "buildOS=linux", "buildArch=amd64",
	} {
		f = append(f, "-X", Module+"/pkg/version."+kv)
	}
	return strings.Join(f, " ")
}

// checkLine reads the module's VERSION file and fails unless it is Line.
func checkLine(modDir string) error {
	b, err := os.ReadFile(filepath.Join(modDir, "VERSION"))
	if err != nil {
		return fmt.Errorf("%s@%s: no VERSION file: %w", Module, Version, err)
	}
	if got := strings.TrimSpace(string(b)); got != Line {
		return fmt.Errorf("%s@%s: VERSION says %s, the profile pins line %s", Module, Version, got, Line)
	}
	return nil
}
