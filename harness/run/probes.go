package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/fixtures/caller/record"
	"github.com/drainproof/drainproof/harness/ledger"
	"github.com/drainproof/drainproof/harness/probe"
	httpprobe "github.com/drainproof/drainproof/harness/probe/http"
	"github.com/drainproof/drainproof/harness/probe/load"
	"github.com/drainproof/drainproof/harness/probe/outbound"
	sshprobe "github.com/drainproof/drainproof/harness/probe/ssh"
)

// probeSet is the traffic of one run: each probe with what "established"
// means for it (the disruption starts only once every probe is there).
type probeSet struct {
	items []probeItem
	wg    sync.WaitGroup
	mu    sync.Mutex
	errs  []error
}

type probeItem struct {
	p probe.Probe
	// ready reports whether steady state has been reached.
	ready func() bool
}

func buildProbes(ctx context.Context, o Options, cs kubernetes.Interface, ns string, keys *sshMaterial) (*probeSet, error) {
	s := o.Scenario
	set := &probeSet{}
	var host string
	if s.Probes.SSH != nil || s.Probes.HTTP != nil || s.Probes.Load != nil {
		var err error
		if host, err = nodeAddress(ctx, cs); err != nil {
			return nil, err
		}
	}
	if c := s.Probes.SSH; c != nil {
		svc, err := serviceName(ctx, cs, ns, c.Service, "probes.ssh")
		if err != nil {
			return nil, err
		}
		addr, err := nodePort(ctx, cs, ns, svc, c.Port, host, "probes.ssh")
		if err != nil {
			return nil, err
		}
		if err := waitAccepting(ctx, addr, "probes.ssh", time.Minute); err != nil {
			return nil, err
		}
		kh, err := keys.writeKnownHosts(o.OutDir, addr)
		if err != nil {
			return nil, err
		}
		cfg := sshprobe.DefaultConfig()
		cfg.Addr, cfg.User, cfg.KeyFile, cfg.KnownHostsFile = addr, "drainproof", keys.clientKeyPath, kh
		cfg.Sessions, cfg.Lifetime = c.Sessions, c.Lifetime.Duration
		if c.Heartbeat.Duration > 0 {
			cfg.Heartbeat = c.Heartbeat.Duration
		}
		p, err := sshprobe.New(cfg)
		if err != nil {
			return nil, err
		}
		n := int64(c.Sessions)
		set.items = append(set.items, probeItem{p, func() bool { return p.Stats().Connections.Load() >= n }})
	}
	if c := s.Probes.HTTP; c != nil {
		svc, err := serviceName(ctx, cs, ns, c.Service, "probes.http")
		if err != nil {
			return nil, err
		}
		addr, err := nodePort(ctx, cs, ns, svc, c.Port, host, "probes.http")
		if err != nil {
			return nil, err
		}
		if err := waitAccepting(ctx, addr, "probes.http", time.Minute); err != nil {
			return nil, err
		}
		cfg := httpprobe.DefaultConfig("http://"+addr+c.Path, s.Timeout.Duration)
		cfg.Connections, cfg.Lifetime = c.Connections, c.Lifetime.Duration
		if c.Interval.Duration > 0 {
			cfg.Interval = c.Interval.Duration
		}
		p, err := httpprobe.New(cfg)
		if err != nil {
			return nil, err
		}
		n := int64(c.Connections)
		set.items = append(set.items, probeItem{p, func() bool { return p.Stats().Connections.Load() >= n }})
	}
	if c := s.Probes.Load; c != nil {
		svc, err := serviceName(ctx, cs, ns, c.Service, "probes.load")
		if err != nil {
			return nil, err
		}
		addr, err := nodePort(ctx, cs, ns, svc, c.Port, host, "probes.load")
		if err != nil {
			return nil, err
		}
		if err := waitAccepting(ctx, addr, "probes.load", time.Minute); err != nil {
			return nil, err
		}
		p, err := load.New(load.DefaultConfig("http://"+addr+c.Path, c.Rate, c.Duration.Duration))
		if err != nil {
			return nil, err
		}
		set.items = append(set.items, probeItem{p, func() bool { return p.Stats().Requests.Load() > 0 }})
	}
	if c := s.Probes.Outbound; c != nil {
		p, err := outbound.New(outbound.Config{Client: cs, Namespace: ns, Selector: c.Selector, Container: c.Container, Parse: record.Parse, OK: record.OK})
		if err != nil {
			return nil, err
		}
		set.items = append(set.items, probeItem{p, func() bool {
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

func (s *probeSet) preflight(ctx context.Context) error {
	for _, it := range s.items {
		if err := it.p.Preflight(ctx); err != nil {
			return fmt.Errorf("%s probe preflight: %w", it.p.Name(), err)
		}
	}
	return nil
}

func (s *probeSet) start(ctx context.Context, l *ledger.Ledger) {
	for _, it := range s.items {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := it.p.Run(ctx, l); err != nil {
				s.mu.Lock()
				s.errs = append(s.errs, fmt.Errorf("%s probe: %w", it.p.Name(), err))
				s.mu.Unlock()
			}
		}()
	}
}

// established waits until every probe reached steady state. A probe that
// cannot get there (its target refuses) is a setup problem, not a verdict.
func (s *probeSet) established(ctx context.Context, log io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		all := true
		for _, it := range s.items {
			all = all && it.ready()
		}
		if all {
			for _, it := range s.items {
				st := it.p.Stats()
				fmt.Fprintf(log, "probe %s established: %d open, %d requests\n", it.p.Name(), st.Open.Load(), st.Requests.Load())
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return setup(errors.New("probes did not reach steady state within 1m: " + s.describe()))
		case <-t.C:
		}
	}
}

func (s *probeSet) describe() string {
	var out string
	for _, it := range s.items {
		st := it.p.Stats()
		out += fmt.Sprintf("[%s: %d connections, %d dial failures, %d requests, %d errors] ", it.p.Name(),
			st.Connections.Load(), st.DialFailures.Load(), st.Requests.Load(), st.Errors.Load())
	}
	return out
}

// wait blocks until every probe's Run returned and joins their errors.
func (s *probeSet) wait() error {
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.errs...)
}
