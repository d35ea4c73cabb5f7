// Package helmrelease installs charts read from a Go module's source (never from a chart
// repository) with the Helm v4 SDK: offline rendering as `helm template` does, and releases
// keyed by an install key so a repeated install with the same inputs changes nothing. The Istio
// and Envoy Gateway profiles install through it.
package helmrelease

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"helm.sh/helm/v4/pkg/action"
	chartcommon "helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/kube"
	kubefake "helm.sh/helm/v4/pkg/kube/fake"
	release "helm.sh/helm/v4/pkg/release"
	"helm.sh/helm/v4/pkg/storage"
	"helm.sh/helm/v4/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// RenderKubeVersion is the Kubernetes version charts are rendered for offline (the air-gapped
// node image's).
const RenderKubeVersion = "v1.33.13"

// Render renders a chart offline as `helm template` does: no cluster, the Manifest of a
// client-side dry-run install.
func Render(c *chart.Chart, releaseName, namespace string, values map[string]any) (string, error) {
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.NewTextHandler(io.Discard, nil)))
	cfg.Releases = storage.Init(driver.NewMemory())
	cfg.KubeClient = &kubefake.PrintingKubeClient{Out: io.Discard}
	inst := action.NewInstall(cfg)
	inst.DryRunStrategy = action.DryRunClient
	inst.Replace = true
	inst.ReleaseName, inst.Namespace = releaseName, namespace
	kv, err := chartcommon.ParseKubeVersion(RenderKubeVersion)
	if err != nil {
		return "", err
	}
	inst.KubeVersion = kv
	rel, err := inst.RunWithContext(context.Background(), c, values)
	if err != nil {
		return "", fmt.Errorf("render chart %s: %w", c.Name(), err)
	}
	acc, err := release.NewAccessor(rel)
	if err != nil {
		return "", err
	}
	return acc.Manifest(), nil
}

// Client is the Helm SDK pointed at a cluster for one release namespace.
type Client struct {
	cfg *action.Configuration
	ns  string
}

func NewClient(rc *rest.Config, namespace string, log io.Writer) (*Client, error) {
	if log == nil {
		log = io.Discard
	}
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err := cfg.Init(&restGetter{cfg: rest.CopyConfig(rc), ns: namespace}, namespace, "secret"); err != nil {
		return nil, fmt.Errorf("helm: %w", err)
	}
	return &Client{cfg: cfg, ns: namespace}, nil
}

// KeyLabel is the Helm release label holding the install key (what was installed: module,
// images, values), so a later Install with the same inputs leaves the release alone.
const KeyLabel = "drainproof-install-key"

// releaseState is what the cluster holds of a release.
type releaseState struct {
	exists, deployed bool
	key              string // KeyLabel of the latest revision
}

func (h *Client) state(name string) (releaseState, error) {
	rel, err := action.NewGet(h.cfg).Run(name)
	if isNotFound(err) {
		return releaseState{}, nil
	}
	if err != nil {
		return releaseState{}, fmt.Errorf("helm get %s: %w", name, err)
	}
	acc, err := release.NewAccessor(rel)
	if err != nil {
		return releaseState{}, err
	}
	return releaseState{exists: true, deployed: acc.Status() == "deployed", key: acc.Labels()[KeyLabel]}, nil
}

// Apply makes release name hold c with values, labelled with key: nothing when the deployed
// release already has key, an upgrade when another key is deployed, else an install (a release
// left failed or pending by an interrupted install is uninstalled first). Helm does not wait for
// readiness: Install has its own done condition. It reports whether it changed anything.
func (h *Client) Apply(ctx context.Context, name string, c *chart.Chart, values map[string]any, key string) (changed bool, err error) {
	st, err := h.state(name)
	if err != nil {
		return false, err
	}
	labels := map[string]string{KeyLabel: key}
	switch {
	case st.deployed && st.key == key:
		return false, nil
	case st.deployed:
		up := action.NewUpgrade(h.cfg)
		up.Namespace, up.Labels, up.Timeout = h.ns, labels, 5*time.Minute
		up.WaitStrategy = kube.HookOnlyStrategy
		up.ServerSideApply, up.ForceConflicts = "true", true
		if _, err := up.RunWithContext(ctx, name, c, values); err != nil {
			return true, fmt.Errorf("helm upgrade %s: %w", name, err)
		}
		return true, nil
	case st.exists:
		if err := h.Uninstall(name); err != nil {
			return true, err
		}
	}
	inst := action.NewInstall(h.cfg)
	inst.ReleaseName, inst.Namespace, inst.CreateNamespace = name, h.ns, true
	inst.Labels, inst.Timeout = labels, 5*time.Minute
	inst.WaitStrategy = kube.HookOnlyStrategy
	if _, err := inst.RunWithContext(ctx, c, values); err != nil {
		return true, fmt.Errorf("helm install %s: %w", name, err)
	}
	return true, nil
}

// Uninstall removes release name and the objects it made; a missing release is no error.
func (h *Client) Uninstall(name string) error {
	u := action.NewUninstall(h.cfg)
	u.IgnoreNotFound = true
	u.WaitStrategy = kube.HookOnlyStrategy
	u.Timeout = 5 * time.Minute
	if _, err := u.Run(name); err != nil && !isNotFound(err) {
		return fmt.Errorf("helm uninstall %s: %w", name, err)
	}
	return nil
}

func isNotFound(err error) bool {
	return errors.Is(err, driver.ErrReleaseNotFound)
}

// restGetter is the RESTClientGetter the Helm SDK wants, made from a *rest.Config (Helm's own
// comes from kubeconfig flags). Discovery is cached for the getter's life and reset by the
// deferred mapper when a kind is unknown (the base chart creates CRDs).
type restGetter struct {
	cfg  *rest.Config
	ns   string
	once sync.Once
	dc   discovery.CachedDiscoveryInterface
	err  error
}

func (g *restGetter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.cfg), nil }

func (g *restGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	g.once.Do(func() {
		dc, err := discovery.NewDiscoveryClientForConfig(g.cfg)
		g.dc, g.err = memory.NewMemCacheClient(dc), err
	})
	return g.dc, g.err
}

func (g *restGetter) ToRESTMapper() (meta.RESTMapper, error) {
	dc, err := g.ToDiscoveryClient()
	if err != nil {
		return nil, err
	}
	return restmapper.NewShortcutExpander(restmapper.NewDeferredDiscoveryRESTMapper(dc), dc, nil), nil
}

// ToRawKubeConfigLoader only serves the namespace (Helm asks it for the default namespace).
func (g *restGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return clientcmd.NewDefaultClientConfig(clientcmdapi.Config{}, &clientcmd.ConfigOverrides{Context: clientcmdapi.Context{Namespace: g.ns}})
}
