package run

import (
	"os"
	"path/filepath"
	"strings"

	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/internal/buildinfo"
	"github.com/drainproof/drainproof/internal/reports"
	"github.com/drainproof/drainproof/scenarios"
)

// environment says what a run is tested with. The API server's version is
// asked once; a server that does not answer leaves it empty (the run fails
// on its own later, with a better error). The kind library's version is
// said when the run names a node image (a cluster drainproof made).
func environment(cs kubernetes.Interface, o Options) reports.Environment {
	e := reports.Environment{
		Drainproof: buildinfo.Version(), Commit: buildinfo.Commit(),
		NodeImage: o.NodeImage, Images: o.Images, ImageSource: o.Cluster.ImageSource(), Host: buildinfo.Host(),
	}
	if e.NodeImage != "" {
		e.Kind = buildinfo.Module("sigs.k8s.io/kind")
	}
	if v, err := cs.Discovery().ServerVersion(); err == nil {
		e.Kubernetes = v.GitVersion
	}
	return e
}

// Meta describes a run for its reports, the same way for `drainproof run`
// and the suites: the scenario and its file's digest, what carried the
// traffic, what it was tested with, and the command that reproduces it
// (see reports.Reproduce).
func Meta(s *scenarios.Scenario, dp reports.DataPlane, res *Result, cluster string, command []string) reports.Run {
	env := res.Env
	r := reports.Run{
		Scenario: s.Name, Description: s.Description, Profile: s.ProfileName(), Cluster: cluster, DataPlane: &dp,
		Namespace: res.Namespace, Started: res.Started, Finished: res.Finished, Command: command,
		ScenarioFile: scenarioFile(s.Source), ScenarioDigest: s.Digest, Env: &env, Evidence: res.Evidence,
	}
	if len(s.NegativeControlOf) > 0 {
		r.TwinOf = s.NegativeControlOf[0]
	}
	return r
}

// scenarioFile is a scenario's source as reports name it: catalog paths as
// they are, a user's file relative to the working directory.
func scenarioFile(src string) string {
	if !filepath.IsAbs(src) {
		return src
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, src); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return filepath.Base(src)
}
