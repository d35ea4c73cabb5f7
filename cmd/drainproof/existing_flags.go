package main

import (
	"github.com/spf13/pflag"

	"github.com/drainproof/drainproof/internal/access"
)

// existingFlags select a cluster drainproof did not create (run and matrix):
// --kubeconfig, --context, and where the images go (--registry, or
// --registry-mirror for nodes that mirror docker.io to it).
type existingFlags struct {
	kubeconfig, context, registry, mirror string
}

func (f *existingFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "`FILE` of a cluster drainproof did not create: no kind call at all (needs --registry)")
	fs.StringVar(&f.context, "context", "", "the kubeconfig's `CONTEXT` (default: its current context)")
	fs.StringVar(&f.registry, "registry", "", "`HOST/REPO` the images are pushed to for --kubeconfig's cluster; its nodes must be able to pull from it")
	fs.StringVar(&f.mirror, "registry-mirror", "", "`HOST[:PORT]` the nodes use as a docker.io mirror: images pushed there under their own names (instead of --registry)")
}

// access checks the flags (usage errors naming the flag, exit 2) and returns
// the existing cluster's access, nil when --kubeconfig is not given (kind).
// clusterSet and airGapped say whether --cluster or --air-gapped was given.
func (f *existingFlags) access(clusterSet, airGapped bool) (*access.Existing, error) {
	if f.kubeconfig == "" {
		for _, fv := range [][2]string{{"--context", f.context}, {"--registry", f.registry}, {"--registry-mirror", f.mirror}} {
			if fv[1] != "" {
				return nil, usagef("%s: needs --kubeconfig (a kind cluster gets its images loaded into its nodes)", fv[0])
			}
		}
		return nil, nil
	}
	if clusterSet {
		return nil, usagef("--cluster: names a kind cluster; with --kubeconfig drainproof creates and uses none")
	}
	if airGapped {
		return nil, usagef("--air-gapped: builds a kind node image; with --kubeconfig drainproof creates no kind cluster")
	}
	if f.registry != "" && f.mirror != "" {
		return nil, usagef("--registry-mirror: give --registry or --registry-mirror, not both")
	}
	e, err := access.NewExisting(f.kubeconfig, f.context, access.Target{Repo: f.registry, Mirror: f.mirror})
	if err != nil {
		return nil, usageError{err.Error()}
	}
	return e, nil
}
