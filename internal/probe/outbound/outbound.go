// Package outbound collects what an in-pod application (fixtures/caller)
// recorded about its own outbound calls: it follows the app container's logs
// from before the disruption until the container exits, and turns each JSON
// line into an Outbound event attributed to that pod. It opens no connection
// of its own to the thing under test; the app's calls through its sidecar are
// the traffic.
package outbound

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/probe"
)

// ParseFunc turns one log line into an event; ok=false skips the line.
type ParseFunc func(line []byte) (e ledger.Event, ok bool, err error)

// Config selects the app pods and container to follow.
type Config struct {
	Client    kubernetes.Interface
	Namespace string
	Selector  string // label selector, e.g. app=caller
	Container string
	Parse     ParseFunc
	OK        func(ledger.Event) bool // whether a parsed call succeeded
	// Steady is how many consecutive successful calls make steady state
	// (default 10): a pod that just started calls before its sidecar and its
	// upstream's Service routes are up, and a disruption must not start then.
	Steady int
}

// Probe follows the logs of every pod matching Selector at Run start.
type Probe struct {
	cfg    Config
	stats  probe.Stats
	steady chan struct{}
	once   sync.Once
	mu     sync.Mutex
	streak map[string]int // pod -> consecutive successful calls
}

var _ probe.Probe = (*Probe)(nil)

// New validates cfg.
func New(cfg Config) (*Probe, error) {
	switch {
	case cfg.Client == nil:
		return nil, errors.New("outbound: no Kubernetes client")
	case cfg.Selector == "":
		return nil, probe.Setupf("probes.outbound.selector", "required")
	case cfg.Container == "":
		return nil, probe.Setupf("probes.outbound.container", "required")
	case cfg.Parse == nil || cfg.OK == nil:
		return nil, errors.New("outbound: no log parser")
	}
	if cfg.Steady <= 0 {
		cfg.Steady = 10
	}
	return &Probe{cfg: cfg, steady: make(chan struct{}), streak: map[string]int{}}, nil
}

func (p *Probe) Name() string        { return "outbound" }
func (p *Probe) Stats() *probe.Stats { return &p.stats }

// Steady is closed once some followed pod made Config.Steady successful
// calls in a row: steady state, the disruption may start.
func (p *Probe) Steady() <-chan struct{} { return p.steady }

func (p *Probe) observe(pod string, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !ok {
		p.streak[pod] = 0
		return
	}
	p.streak[pod]++
	if p.streak[pod] >= p.cfg.Steady {
		p.once.Do(func() { close(p.steady) })
	}
}

// Preflight checks that the selector matches running pods with the container.
func (p *Probe) Preflight(ctx context.Context) error {
	pods, err := p.pods(ctx)
	if err != nil {
		return err
	}
	for _, pod := range pods {
		found := false
		for _, c := range pod.Spec.Containers {
			found = found || c.Name == p.cfg.Container
		}
		if !found {
			return probe.Setupf("probes.outbound.container", "pod %s has no container %q", pod.Name, p.cfg.Container)
		}
	}
	return nil
}

func (p *Probe) pods(ctx context.Context) ([]corev1.Pod, error) {
	list, err := p.cfg.Client.CoreV1().Pods(p.cfg.Namespace).List(ctx, metav1.ListOptions{LabelSelector: p.cfg.Selector})
	if err != nil {
		return nil, fmt.Errorf("list pods %s: %w", p.cfg.Selector, err)
	}
	var out []corev1.Pod
	for _, pod := range list.Items {
		if pod.DeletionTimestamp == nil && pod.Status.Phase == corev1.PodRunning {
			out = append(out, pod)
		}
	}
	if len(out) == 0 {
		return nil, probe.Setupf("probes.outbound.selector", "no running pod matches %q in %s", p.cfg.Selector, p.cfg.Namespace)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Run follows each pod's log until its container exits (the stream ends) or
// ctx is done. Lines are read as they come, so events carry the caller's own
// timestamps and arrive while the run goes on.
func (p *Probe) Run(ctx context.Context, l *ledger.Ledger) error {
	pods, err := p.pods(ctx)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(pods))
	for _, pod := range pods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.follow(ctx, pod.Name, l); err != nil && ctx.Err() == nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func (p *Probe) follow(ctx context.Context, pod string, l *ledger.Ledger) error {
	since := metav1.NewTime(time.Now().Add(-time.Hour))
	req := p.cfg.Client.CoreV1().Pods(p.cfg.Namespace).GetLogs(pod, &corev1.PodLogOptions{
		Container: p.cfg.Container, Follow: true, SinceTime: &since,
	})
	rc, err := req.Stream(ctx)
	if err != nil {
		return fmt.Errorf("follow logs of %s/%s: %w", pod, p.cfg.Container, err)
	}
	defer rc.Close()
	key := p.cfg.Namespace + "/" + pod
	r := bufio.NewReader(rc)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			if e, ok, perr := p.cfg.Parse(line); perr == nil && ok {
				e.Probe, e.Pod = "outbound", key
				if e.Detail == nil {
					e.Detail = map[string]string{}
				}
				e.Detail["container"] = p.cfg.Container
				if e.Kind == ledger.Outbound {
					ok := p.cfg.OK(e)
					p.stats.Requests.Add(1)
					if !ok {
						p.stats.Errors.Add(1)
					}
					p.observe(key, ok)
				}
				_ = l.Add(e)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("logs of %s: %w", key, err)
		}
	}
}
