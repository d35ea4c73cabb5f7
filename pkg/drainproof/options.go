package drainproof

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/drainproof/drainproof/internal/access"
	"github.com/drainproof/drainproof/internal/cluster"
	"github.com/drainproof/drainproof/internal/profile"
	"github.com/drainproof/drainproof/internal/run"
)

// Option configures Run and NewEnv. The set is sealed: only this package's
// With* functions make one.
type Option interface{ apply(*options) }

type options struct {
	cluster    string
	clusterSet bool // WithCluster given: a kind cluster, refused with WithKubeconfig
	airGapped  bool
	// A cluster drainproof did not create (WithKubeconfig): no kind call at
	// all; images go to target.
	kubeconfig, kubeContext string
	target                  access.Target
	keep                    bool
	out                     string
	log                     io.Writer
	flags                   *flag.FlagSet // flags registered by WithFlags, read when used
	// versions: profile → upstream release (registry mode); hub serves their images.
	versions map[string]string
	hub      string
	// probers: where the probes run (run.ParseProbers: 0 host, N pods, run.ProbersPerNode).
	probers    int
	badProbers error // an invalid WithProbers (or -probers flag), reported by Setup and Run
	badRelease error // the first invalid WithProfileVersion/WithImageRegistry (or flag), reported by Setup and Run
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

func defaults() options {
	return options{cluster: cluster.DefaultName, log: io.Discard}
}

func build(opts []Option) options {
	o := defaults()
	for _, opt := range opts {
		opt.apply(&o)
	}
	return o
}

// WithCluster names the kind cluster: created when missing, else reused
// (default "drainproof").
func WithCluster(name string) Option {
	return optionFunc(func(o *options) { o.cluster, o.clusterSet = name, true })
}

// WithKubeconfig runs on the cluster of a kubeconfig file (its current
// context, or WithKubeContext's) instead of a kind cluster: drainproof
// creates, loads into and deletes no cluster, pushes the images to
// WithRegistry's repository (which the nodes must be able to pull from),
// and cleans up exactly what a run made (its namespace). It cannot be
// combined with WithCluster or WithAirGapped (both are about kind).
func WithKubeconfig(file string) Option { return optionFunc(func(o *options) { o.kubeconfig = file }) }

// WithKubeContext picks the kubeconfig's context (default: its current one).
func WithKubeContext(name string) Option {
	return optionFunc(func(o *options) { o.kubeContext = name })
}

// WithRegistry is the repository (HOST[:PORT]/PATH) the images are pushed to
// for WithKubeconfig's cluster; pods name REPO/fixtures:<key> and so on.
func WithRegistry(repo string) Option { return optionFunc(func(o *options) { o.target.Repo = repo }) }

// WithRegistryMirror is WithRegistry for nodes whose container runtime uses
// host (HOST[:PORT]) as a mirror of docker.io: the images are pushed there
// under their own docker.io names and pods keep naming those. Reports say
// "pulled through mirror HOST" — never a pull from Docker Hub.
func WithRegistryMirror(host string) Option {
	return optionFunc(func(o *options) { o.target.Mirror = host })
}

// existing is the access to WithKubeconfig's cluster, nil for kind; bad
// input is an error naming the option, before any cluster work.
func (o *options) existing() (*access.Existing, error) {
	if o.kubeconfig == "" {
		if o.kubeContext != "" || o.target != (access.Target{}) {
			return nil, errors.New("drainproof: WithKubeContext/WithRegistry/WithRegistryMirror need WithKubeconfig (kind clusters get their images loaded)")
		}
		return nil, nil
	}
	if o.clusterSet || o.airGapped {
		return nil, errors.New("drainproof: WithKubeconfig cannot be combined with WithCluster or WithAirGapped (both name a kind cluster drainproof makes)")
	}
	e, err := access.NewExisting(o.kubeconfig, o.kubeContext, o.target)
	if err != nil {
		return nil, fmt.Errorf("drainproof: %w", err)
	}
	return e, nil
}

// WithAirGapped builds and uses drainproof's own node image (no registry
// needed) instead of kind's default one.
func WithAirGapped(on bool) Option { return optionFunc(func(o *options) { o.airGapped = on }) }

// WithKeep leaves what a run made (its namespace; a cluster this process
// created) for inspection.
func WithKeep(on bool) Option { return optionFunc(func(o *options) { o.keep = on }) }

// WithOut is where reports go: Run writes a run's into dir, an Env one
// directory per scenario plus the suite's (default $DRAINPROOF_OUT/reports,
// else _out/reports).
func WithOut(dir string) Option { return optionFunc(func(o *options) { o.out = dir }) }

// WithLog receives progress lines (default: discarded).
func WithLog(w io.Writer) Option { return optionFunc(func(o *options) { o.log = w }) }

// WithProbers says where a run's SSH, HTTP and load probes run: "host"
// (the default: this process), "in-cluster" (one prober pod per Ready node)
// or "in-cluster=N" (N pods of the fixtures image in the run's namespace,
// spread over the nodes, each holding its share of the traffic against the
// probed Service's ClusterIP; their events are merged into the run's ledger,
// and a prober that dies makes the run INCOMPLETE). Anything else makes
// Setup and Run fail, naming it.
func WithProbers(spec string) Option {
	return optionFunc(func(o *options) { o.setProbers(spec) })
}

func (o *options) setProbers(spec string) {
	n, err := run.ParseProbers(spec)
	if err != nil {
		o.badProbers = fmt.Errorf("WithProbers: %w", err)
		return
	}
	o.probers, o.badProbers = n, nil
}

// WithProfileVersion runs profile's scenarios at an upstream release: the
// release's own images (for istio, <hub>/pilot:version and <hub>/proxyv2:version:
// real istiod, pilot-agent and Envoy), pulled by the nodes, nothing built.
// Before a run, a preflight checks that they resolve in their registry; when
// they do not, the run is NOT RUN naming them (never a pass). An unknown
// profile, one without a registry mode, or a version that is not
// MAJOR.MINOR.PATCH[-PRE] makes Setup and Run fail, naming it. Profiles with
// a registry mode: istio.
func WithProfileVersion(profile, version string) Option {
	return optionFunc(func(o *options) { o.setVersion(profile, version) })
}

// WithImageRegistry is the HOST/REPO serving the images of the releases
// WithProfileVersion selects (a mirror); default each profile's own hub
// (istio: docker.io/istio).
func WithImageRegistry(hostRepo string) Option {
	return optionFunc(func(o *options) { o.hub = hostRepo })
}

func (o *options) setVersion(prof, v string) {
	if err := profile.CheckReleaseOf(prof, v); err != nil {
		if o.badRelease == nil {
			o.badRelease = fmt.Errorf("WithProfileVersion(%q, %q): %w", prof, v, err)
		}
		return
	}
	o.versions = maps.Clone(o.versions) // a run's options never write into its Env's
	if o.versions == nil {
		o.versions = map[string]string{}
	}
	o.versions[prof] = v
}

// selection is the options' profile selection, or the first invalid one.
func (o *options) selection() (profile.Selection, error) {
	if o.badProbers != nil {
		return profile.Selection{}, o.badProbers
	}
	if o.badRelease != nil {
		return profile.Selection{}, o.badRelease
	}
	if o.hub != "" {
		if err := profile.CheckHub(o.hub); err != nil {
			return profile.Selection{}, fmt.Errorf("WithImageRegistry: %w", err)
		}
	}
	return profile.Selection{Versions: o.versions, Hub: o.hub}, nil
}

// WithFlags registers -cluster, -air-gapped, -keep, -reports, -probers,
// -profile-version PROFILE=VERSION (repeatable) and -image-registry on fs, with
// the other options as defaults; their parsed values win (drainproof's own
// suites use flag.CommandLine, so `go test ... -args -cluster NAME` works).
func WithFlags(fs *flag.FlagSet) Option {
	return optionFunc(func(o *options) { o.flags = fs })
}

// registerFlags binds o's fields to o.flags, once options are all applied.
func (o *options) registerFlags() {
	if o.flags == nil {
		return
	}
	o.flags.StringVar(&o.cluster, "cluster", o.cluster, "kind cluster to create, or reuse when it exists")
	o.flags.BoolVar(&o.airGapped, "air-gapped", o.airGapped, "build and use drainproof's own kind node image (no registry needed)")
	o.flags.BoolVar(&o.keep, "keep", o.keep, "keep a cluster this suite created (a reused cluster is always kept)")
	o.flags.StringVar(&o.out, "reports", o.out, "where each scenario's reports go (default $DRAINPROOF_OUT/reports or _out/reports)")
	o.flags.Func("profile-version", "PROFILE=VERSION: run PROFILE at that upstream release, its own images pulled from -image-registry (repeatable; e.g. istio=1.26.3)", func(s string) error {
		prof, v, ok := strings.Cut(s, "=")
		if !ok {
			return fmt.Errorf("%q: want PROFILE=VERSION (e.g. istio=1.26.3)", s)
		}
		if err := profile.CheckReleaseOf(prof, v); err != nil {
			return err
		}
		o.setVersion(prof, v)
		return nil
	})
	o.flags.Func("probers", "where the probes run: host (default), in-cluster (a prober pod per node) or in-cluster=N", func(s string) error {
		if _, err := run.ParseProbers(s); err != nil {
			return err
		}
		o.setProbers(s)
		return nil
	})
	o.flags.StringVar(&o.hub, "image-registry", o.hub, "HOST/REPO serving the -profile-version releases' images (default each profile's hub)")
}
