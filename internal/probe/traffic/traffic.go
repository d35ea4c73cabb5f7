// Package traffic turns "which probes, against what" into running probes,
// once for both entry points: `drainproof probe` fills a Spec from its flags,
// the run engine from a scenario's probes on their resolved addresses. It
// also owns when a set of probes counts as established (the moment a
// disruption may start).
package traffic

import (
	"time"

	"github.com/drainproof/drainproof/internal/probe"
	httpprobe "github.com/drainproof/drainproof/internal/probe/http"
	"github.com/drainproof/drainproof/internal/probe/load"
	"github.com/drainproof/drainproof/internal/probe/outbound"
	sshprobe "github.com/drainproof/drainproof/internal/probe/ssh"
)

// Spec is the traffic of one run; a nil member is a probe not run. Fields
// are used as given (a probe refuses a zero it cannot use, naming its flag);
// what a spec leaves out takes the probe's DefaultConfig.
type Spec struct {
	SSH      *SSH
	HTTP     *HTTP
	Load     *Load
	Outbound *outbound.Config
}

// SSH sessions held through Addr.
type SSH struct {
	Addr, User, KeyFile, KnownHostsFile string
	Sessions                            int
	Heartbeat, Lifetime                 time.Duration
}

// HTTP keep-alive connections to URL. Duration bounds the probe as a whole.
type HTTP struct {
	URL                          string
	Connections                  int
	Interval, Lifetime, Duration time.Duration
}

// Load is a constant-rate attack on URL for Duration.
type Load struct {
	URL      string
	Rate     int
	Duration time.Duration
}

// Probe is a built probe and its rule for "established".
type Probe struct {
	probe.Probe
	established func() bool
}

// Established reports whether the probe's traffic is up: every SSH session
// and HTTP connection it opens at start, a first load result, the in-pod
// caller's steady state.
func (p Probe) Established() bool { return p.established() }

// Set is a run's probes, in Spec order (ssh, http, load, outbound).
type Set []Probe

// Established reports whether every probe's traffic is up.
func (s Set) Established() bool {
	for _, p := range s {
		if !p.Established() {
			return false
		}
	}
	return true
}

// Probes lists the probes themselves.
func (s Set) Probes() []probe.Probe {
	out := make([]probe.Probe, len(s))
	for i, p := range s {
		out[i] = p.Probe
	}
	return out
}

// New builds (and validates) the probes spec names. Errors are the probes'
// own *probe.SetupError naming the flag at fault.
func New(spec Spec) (Set, error) {
	var set Set
	if c := spec.SSH; c != nil {
		cfg := sshprobe.DefaultConfig()
		cfg.Addr, cfg.User, cfg.KeyFile, cfg.KnownHostsFile = c.Addr, c.User, c.KeyFile, c.KnownHostsFile
		cfg.Sessions, cfg.Heartbeat, cfg.Lifetime = c.Sessions, c.Heartbeat, c.Lifetime
		p, err := sshprobe.New(cfg)
		if err != nil {
			return nil, err
		}
		set = append(set, Probe{p, atLeast(p, cfg.Sessions)})
	}
	if c := spec.HTTP; c != nil {
		cfg := httpprobe.DefaultConfig(c.URL, c.Duration)
		cfg.Connections, cfg.Interval, cfg.Lifetime = c.Connections, c.Interval, c.Lifetime
		p, err := httpprobe.New(cfg)
		if err != nil {
			return nil, err
		}
		set = append(set, Probe{p, atLeast(p, cfg.Connections)})
	}
	if c := spec.Load; c != nil {
		p, err := load.New(load.DefaultConfig(c.URL, c.Rate, c.Duration))
		if err != nil {
			return nil, err
		}
		set = append(set, Probe{p, func() bool { return p.Stats().Requests.Load() > 0 }})
	}
	if c := spec.Outbound; c != nil {
		p, err := outbound.New(*c)
		if err != nil {
			return nil, err
		}
		set = append(set, Probe{p, func() bool {
			select {
			case <-p.Steady():
				return true
			default:
				return false
			}
		}})
	}
	return set, nil
}

// atLeast: established once n connections have ever been established.
func atLeast(p probe.Probe, n int) func() bool {
	return func() bool { return p.Stats().Connections.Load() >= int64(n) }
}

// Reporting is a probe that says itself when its traffic is up (an
// in-cluster prober: it evaluates this package's rule where its probes run).
type Reporting interface {
	probe.Probe
	Established() bool
}

// Remote makes p a member of a Set, established when it says so.
func Remote(p Reporting) Probe { return Probe{p, p.Established} }
