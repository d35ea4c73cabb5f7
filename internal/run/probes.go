package run

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/fixtures/caller/record"
	"github.com/drainproof/drainproof/internal/ledger"
	httpprobe "github.com/drainproof/drainproof/internal/probe/http"
	"github.com/drainproof/drainproof/internal/probe/outbound"
	sshprobe "github.com/drainproof/drainproof/internal/probe/ssh"
	"github.com/drainproof/drainproof/internal/probe/traffic"
	"github.com/drainproof/drainproof/internal/reports"
	"github.com/drainproof/drainproof/scenarios"
)

// probeSet is the traffic of one run: each probe with what "established"
// means for it (the disruption starts only once every probe is there).
type probeSet struct {
	probes traffic.Set
	// reached says how each probed Service was reached (see serviceAddress,
	// clusterAddress).
	reached []string
	// probers says where the probes run: "host", or "in-cluster: N prober pods".
	probers string
	wg      sync.WaitGroup
	mu      sync.Mutex
	errs    []error
}

// carried splits a scenario's probes into those the data plane carries and
// those it cannot (notCarried: kind → why), in ssh, http, load, outbound order.
func carried(p scenarios.Probes, notCarried map[string]string) (scenarios.Probes, []reports.ProbeNotRun) {
	var out []reports.ProbeNotRun
	drop := func(kind string, present bool) bool {
		why, ok := notCarried[kind]
		if present && ok {
			out = append(out, reports.ProbeNotRun{Probe: kind, Reason: why})
		}
		return present && ok
	}
	if drop("ssh", p.SSH != nil) {
		p.SSH = nil
	}
	if drop("http", p.HTTP != nil) {
		p.HTTP = nil
	}
	if drop("load", p.Load != nil) {
		p.Load = nil
	}
	if drop("outbound", p.Outbound != nil) {
		p.Outbound = nil
	}
	return p, out
}

func buildProbes(ctx context.Context, o Options, probes scenarios.Probes, cs kubernetes.Interface, ns string, keys *sshMaterial) (*probeSet, error) {
	if o.Probers > 0 && (probes.SSH != nil || probes.HTTP != nil || probes.Load != nil) {
		return buildInCluster(ctx, o, probes, cs, ns, keys)
	}
	s := o.Scenario
	var spec traffic.Spec
	set := &probeSet{probers: "host"}
	reach := func(svc string, port int, field string) (string, error) {
		addr, how, err := serviceAddress(ctx, cs, ns, svc, port, field)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(o.Log, "reaching %s\n", how)
		set.reached = append(set.reached, how)
		return addr, nil
	}
	if c := probes.SSH; c != nil {
		svc, err := serviceName(ctx, cs, ns, c.Service, "probes.ssh")
		if err != nil {
			return nil, err
		}
		addr, err := reach(svc, c.Port, "probes.ssh")
		if err != nil {
			return set, err
		}
		if err := waitAccepting(ctx, addr, "probes.ssh", time.Minute); err != nil {
			return nil, err
		}
		kh, err := keys.writeKnownHosts(o.OutDir, addr)
		if err != nil {
			return nil, err
		}
		spec.SSH = &traffic.SSH{Addr: addr, User: "drainproof", KeyFile: keys.clientKeyPath, KnownHostsFile: kh,
			Sessions: c.Sessions, Heartbeat: cmp.Or(c.Heartbeat.Duration, sshprobe.DefaultHeartbeat), Lifetime: c.Lifetime.Duration}
	}
	if c := probes.HTTP; c != nil {
		svc, err := serviceName(ctx, cs, ns, c.Service, "probes.http")
		if err != nil {
			return nil, err
		}
		addr, err := reach(svc, c.Port, "probes.http")
		if err != nil {
			return set, err
		}
		if err := waitAccepting(ctx, addr, "probes.http", time.Minute); err != nil {
			return nil, err
		}
		spec.HTTP = &traffic.HTTP{URL: "http://" + addr + c.Path, Connections: c.Connections,
			Interval: cmp.Or(c.Interval.Duration, httpprobe.DefaultInterval), Lifetime: c.Lifetime.Duration, Duration: s.Timeout.Duration}
	}
	if c := probes.Load; c != nil {
		svc, err := serviceName(ctx, cs, ns, c.Service, "probes.load")
		if err != nil {
			return nil, err
		}
		addr, err := reach(svc, c.Port, "probes.load")
		if err != nil {
			return set, err
		}
		if err := waitAccepting(ctx, addr, "probes.load", time.Minute); err != nil {
			return nil, err
		}
		spec.Load = &traffic.Load{URL: "http://" + addr + c.Path, Rate: c.Rate, Duration: c.Duration.Duration}
	}
	if c := probes.Outbound; c != nil {
		spec.Outbound = &outbound.Config{Client: cs, Namespace: ns, Selector: c.Selector, Container: c.Container, Parse: record.Parse, OK: record.OK}
	}
	ts, err := traffic.New(spec)
	if err != nil {
		return set, err
	}
	set.probes = ts
	return set, nil
}

func (s *probeSet) preflight(ctx context.Context) error {
	for _, p := range s.probes {
		if err := p.Preflight(ctx); err != nil {
			return fmt.Errorf("%s probe preflight: %w", p.Name(), err)
		}
	}
	return nil
}

func (s *probeSet) start(ctx context.Context, l *ledger.Ledger) {
	for _, p := range s.probes {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := p.Run(ctx, l); err != nil {
				s.mu.Lock()
				s.errs = append(s.errs, fmt.Errorf("%s probe: %w", p.Name(), err))
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
		if s.probes.Established() {
			for _, p := range s.probes {
				st := p.Stats()
				fmt.Fprintf(log, "probe %s established: %d open, %d requests\n", p.Name(), st.Open.Load(), st.Requests.Load())
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
	for _, p := range s.probes {
		st := p.Stats()
		out += fmt.Sprintf("[%s: %d connections, %d dial failures, %d requests, %d errors] ", p.Name(),
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
