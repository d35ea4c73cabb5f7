package access

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/registry"
)

// Existing is a cluster drainproof did not create, reached through a
// kubeconfig alone: no kind call is ever made for it (nothing created,
// loaded or deleted but what a run makes in the API). Its nodes pull the
// built images from a registry.
type Existing struct {
	Kubeconfig string // the file
	Context    string // the context used ("": the file's current context)
	rest       *rest.Config
	Target     Target
	push       func(context.Context, *image.Built) (registry.Pushed, error)
	source     string

	mu     sync.Mutex
	pushed map[string]registry.Pushed // built ref → what was pushed (once per process)
}

// Target is where Existing's images go: exactly one of Repo (pushed under a
// repository the user names; pods name the pushed refs) and Mirror (pushed
// under their own docker.io names to a registry the nodes use as a docker.io
// mirror; pods keep the upstream names).
type Target struct {
	Repo   string // --registry HOST/REPO
	Mirror string // HOST[:PORT] of a docker.io mirror of the nodes
}

// NewExisting checks the kubeconfig, the context and the target, before
// any cluster work; errors name the flag (--kubeconfig, --context,
// --registry).
func NewExisting(kubeconfig, kubeContext string, t Target) (*Existing, error) {
	if kubeconfig == "" {
		return nil, errors.New("--kubeconfig: required for a cluster drainproof did not create")
	}
	if _, err := os.Stat(kubeconfig); err != nil {
		return nil, fmt.Errorf("--kubeconfig: %w", err)
	}
	raw, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("--kubeconfig %s: %w", kubeconfig, err)
	}
	ctxName := kubeContext
	if ctxName == "" {
		ctxName = raw.CurrentContext
		if ctxName == "" {
			return nil, fmt.Errorf("--kubeconfig %s: no current-context; name one with --context", kubeconfig)
		}
	}
	if _, ok := raw.Contexts[ctxName]; !ok {
		flag := "--kubeconfig " + kubeconfig
		if kubeContext != "" {
			flag = "--context"
		}
		return nil, fmt.Errorf("%s: context %q is not in %s", flag, ctxName, kubeconfig)
	}
	cfg, err := clientcmd.NewNonInteractiveClientConfig(*raw, ctxName, &clientcmd.ConfigOverrides{}, nil).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("--context %s: %w", ctxName, err)
	}
	e := &Existing{Kubeconfig: kubeconfig, Context: ctxName, Target: t, rest: cfg, pushed: map[string]registry.Pushed{}}
	switch {
	case (t.Repo == "") == (t.Mirror == ""):
		return nil, errors.New("--registry: required with --kubeconfig (HOST/REPO the cluster's nodes can pull from)")
	case t.Repo != "":
		repo, err := registry.ParseRepo(t.Repo)
		if err != nil {
			return nil, fmt.Errorf("--registry: %w", err)
		}
		e.push = func(ctx context.Context, b *image.Built) (registry.Pushed, error) { return registry.Push(ctx, b, repo) }
		e.source = "pushed to " + repo.String()
	default:
		host, err := registry.ParseHost(t.Mirror)
		if err != nil {
			return nil, fmt.Errorf("registry mirror: %w", err)
		}
		e.push = func(ctx context.Context, b *image.Built) (registry.Pushed, error) {
			return registry.PushMirror(ctx, b, host)
		}
		e.source = "pulled through mirror " + host.String() + " (pushed there under their docker.io names; not a pull from Docker Hub)"
	}
	return e, nil
}

// Key is the kubeconfig file and context, and where the images go: what
// is done once per Key (a profile's images delivered, its image table)
// differs between a registry and a mirror of the same cluster.
func (e *Existing) Key() string {
	return "kubeconfig:" + e.Kubeconfig + "#" + e.Context + "@" + e.Target.Repo + e.Target.Mirror
}

// String names the cluster for logs and reports.
func (e *Existing) String() string { return fmt.Sprintf("context %s of %s", e.Context, e.Kubeconfig) }

// Flags are the `drainproof run` flags that reach this cluster the same way.
func (e *Existing) Flags() []string {
	f := []string{"--kubeconfig", e.Kubeconfig, "--context", e.Context}
	if e.Target.Repo != "" {
		return append(f, "--registry", e.Target.Repo)
	}
	return append(f, "--registry-mirror", e.Target.Mirror)
}

// RESTConfig is the context's client config (a copy).
func (e *Existing) RESTConfig() *rest.Config { return rest.CopyConfig(e.rest) }

// Deliver pushes b (once per process) and returns the reference pods name.
func (e *Existing) Deliver(ctx context.Context, b *image.Built) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.pushed[b.Ref]; ok {
		return p.Ref, nil
	}
	p, err := e.push(ctx, b)
	if err != nil {
		return "", err
	}
	e.pushed[b.Ref] = p
	return p.Ref, nil
}

// Pushed is every image pushed so far, by built ref.
func (e *Existing) Pushed() map[string]registry.Pushed {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]registry.Pushed, len(e.pushed))
	for k, v := range e.pushed {
		out[k] = v
	}
	return out
}

// ImageSource says where the nodes got the images.
func (e *Existing) ImageSource() string { return e.source }

// PullPolicy is IfNotPresent: the nodes pull what was pushed.
func (e *Existing) PullPolicy() corev1.PullPolicy { return corev1.PullIfNotPresent }

// Compile-time check.
var _ Cluster = (*Existing)(nil)

// Base builds (or reuses from the cache) the base images, fixtures and
// gateway (never a node image), pushes them, and returns the base image
// table.
func (e *Existing) Base(ctx context.Context, log io.Writer) (map[string]string, error) {
	out := map[string]string{}
	for _, b := range []struct {
		name  string
		build func(context.Context, image.Options) (*image.Built, error)
	}{{"fixtures", image.Fixtures}, {"gateway", image.Gateway}} {
		built, err := b.build(ctx, image.Options{Log: log})
		if err != nil {
			return nil, fmt.Errorf("%s image: %w", b.name, err)
		}
		ref, err := e.Deliver(ctx, built)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e, err)
		}
		out[b.name] = ref
	}
	if log != nil {
		fmt.Fprintf(log, "[drainproof] %s: images %s\n", e, e.source)
	}
	return out, nil
}
