package drainproof

import (
	"flag"
	"io"

	"github.com/drainproof/drainproof/internal/cluster"
)

// Option configures Run and NewEnv. The set is sealed: only this package's
// With* functions make one.
type Option interface{ apply(*options) }

type options struct {
	cluster   string
	airGapped bool
	keep      bool
	out       string
	log       io.Writer
	flags     *flag.FlagSet // flags registered by WithFlags, read when used
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
func WithCluster(name string) Option { return optionFunc(func(o *options) { o.cluster = name }) }

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

// WithFlags registers -cluster, -air-gapped, -keep and -reports on fs, with
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
}
