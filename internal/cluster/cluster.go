// Package cluster creates, reuses and deletes kind clusters through kind's Go library
// (sigs.k8s.io/kind/pkg/cluster, not the kind CLI), loads image archives into their nodes, and
// exports their logs. With the air-gapped node image (BuildImages with AirGapped) it needs no
// container registry at all.
//
//	c, err := cluster.Create(ctx, "drainproof", cluster.NodeImage(ref), cluster.Workers(1))
//	defer c.Delete(ctx)
//	err = c.LoadImageArchive(ctx, fixtures.Archive)
package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	kind "sigs.k8s.io/kind/pkg/cluster"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// Cluster is a running kind cluster.
type Cluster struct {
	Name      string
	NodeImage string // as asked for (empty when reused without NodeImage, or kind's default)
	Reused    bool   // it existed before Create

	kubeconfig string
	provider   *kind.Provider
	rest       *rest.Config
	o          options
}

func newProvider(o options) *kind.Provider {
	return kind.NewProvider(kind.ProviderWithDocker(), kind.ProviderWithLogger(kindLogger{w: o.log}))
}

// Create creates the named cluster, or reuses it when a cluster of that name exists, and waits
// until it is ready (see WaitReady). A failed creation is deleted unless Keep(true).
func Create(ctx context.Context, name string, opts ...Option) (*Cluster, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt.apply(&o); err != nil {
			return nil, err
		}
	}
	if o.workersSet && o.rawConfig != nil {
		return nil, fmt.Errorf("cluster %s: options Workers and Config both given; put the nodes in the config", name)
	}
	if o.kubeconfigPath == "" {
		p, err := defaultKubeconfig(name)
		if err != nil {
			return nil, err
		}
		o.kubeconfigPath = p
	}
	if err := preflightHost(ctx); err != nil {
		return nil, err
	}
	c := &Cluster{Name: name, NodeImage: o.nodeImage, kubeconfig: o.kubeconfigPath, provider: newProvider(o), o: o}
	existing, err := c.provider.List()
	if err != nil {
		return nil, fmt.Errorf("list kind clusters (is dockerd up?): %w", err)
	}
	if slices.Contains(existing, name) {
		return c.reuse(ctx)
	}
	if err := checkNodeImage(ctx, o.nodeImage); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	kopts, err := o.kindOptions()
	if err != nil {
		return nil, err
	}
	c.logf("creating kind cluster %s (node image %s)", name, displayImage(o.nodeImage))
	if err := c.provider.Create(name, kopts...); err != nil {
		err = fmt.Errorf("kind create cluster %s (node image %s): %w", name, displayImage(o.nodeImage), err)
		return nil, c.failed(err)
	}
	if err := c.connect(); err != nil {
		return nil, c.failed(err)
	}
	if err := c.waitReady(ctx); err != nil {
		return nil, c.failed(err)
	}
	return c, nil
}

// reuse adopts an existing cluster: fresh kubeconfig, same readiness wait.
func (c *Cluster) reuse(ctx context.Context) (*Cluster, error) {
	c.Reused = true
	c.logf("reusing kind cluster %s", c.Name)
	if nodes, err := c.provider.ListNodes(c.Name); err == nil && len(nodes) > 0 && c.NodeImage != "" {
		img, err := imgbuild.Docker(ctx, "inspect", "--format", "{{.Config.Image}}", nodes[0].String())
		if img = strings.TrimSpace(img); err == nil && img != c.NodeImage {
			c.logf("WARNING: cluster %s runs node image %s, not %s; `drainproof cluster down --name %s` to recreate it", c.Name, img, c.NodeImage, c.Name)
		}
	}
	if err := os.MkdirAll(filepath.Dir(c.kubeconfig), 0o700); err != nil {
		return nil, err
	}
	if err := c.provider.ExportKubeConfig(c.Name, c.kubeconfig, false); err != nil {
		return nil, fmt.Errorf("cluster %s exists but its kubeconfig could not be exported: %w", c.Name, err)
	}
	if err := c.connect(); err != nil {
		return nil, err
	}
	if err := c.waitReady(ctx); err != nil {
		return nil, fmt.Errorf("existing cluster %s is not healthy (delete it with `drainproof cluster down --name %s`): %w", c.Name, c.Name, err)
	}
	return c, nil
}

// failed exports logs (if asked) and deletes the cluster unless Keep; it returns err, extended
// with what it did.
func (c *Cluster) failed(err error) error {
	ctx := context.Background()
	var notes []string
	if c.o.logsDir != "" {
		if lerr := c.ExportLogs(ctx, c.o.logsDir); lerr != nil {
			notes = append(notes, "exporting logs failed: "+lerr.Error())
		} else {
			notes = append(notes, "logs in "+c.o.logsDir)
		}
	}
	if c.o.keep {
		notes = append(notes, "cluster kept (Keep); delete it with `drainproof cluster down --name "+c.Name+"`")
	} else if derr := c.Delete(ctx); derr != nil {
		notes = append(notes, "deleting the failed cluster also failed: "+derr.Error())
	} else {
		notes = append(notes, "failed cluster deleted")
	}
	return fmt.Errorf("%w (%s)", err, strings.Join(notes, "; "))
}

func (c *Cluster) connect() error {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.kubeconfig)
	if err != nil {
		return fmt.Errorf("cluster %s: kubeconfig %s: %w", c.Name, c.kubeconfig, err)
	}
	c.rest = cfg
	return nil
}

// KubeconfigPath is the file holding the cluster's kubeconfig.
func (c *Cluster) KubeconfigPath() string { return c.kubeconfig }

// RESTConfig is a client config for the cluster's API server (a copy: callers may change it).
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.rest) }

// Clientset returns a typed client for the cluster.
func (c *Cluster) Clientset() (kubernetes.Interface, error) {
	return kubernetes.NewForConfig(c.RESTConfig())
}

// Delete deletes the cluster (nodes and kubeconfig file). Deleting a missing cluster is no error.
func (c *Cluster) Delete(ctx context.Context) error {
	return deleteCluster(c.provider, c.Name, c.kubeconfig)
}

// Delete deletes the named cluster and its drainproof kubeconfig; a missing cluster is no error.
func Delete(ctx context.Context, name string, opts ...Option) error {
	if err := validName(name); err != nil {
		return err
	}
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt.apply(&o); err != nil {
			return err
		}
	}
	if o.kubeconfigPath == "" {
		p, err := defaultKubeconfig(name)
		if err != nil {
			return err
		}
		o.kubeconfigPath = p
	}
	return deleteCluster(newProvider(o), name, o.kubeconfigPath)
}

func deleteCluster(p *kind.Provider, name, kubeconfig string) error {
	if err := p.Delete(name, kubeconfig); err != nil {
		return fmt.Errorf("delete kind cluster %s: %w", name, err)
	}
	if err := os.Remove(kubeconfig); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// List returns the names of the kind clusters on this docker engine.
func List(ctx context.Context) ([]string, error) {
	return newProvider(defaultOptions()).List()
}

func defaultKubeconfig(name string) (string, error) {
	root, err := imgbuild.CacheRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "kube", name+".kubeconfig"), nil
}

// validName applies kind's rule: the name becomes part of container and host names.
func validName(name string) error {
	if name == "" {
		return fmt.Errorf("cluster name is empty")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return fmt.Errorf("cluster name %q: use lower-case letters, digits, '-' and '.' only", name)
		}
	}
	return nil
}

func (c *Cluster) logf(format string, a ...any) {
	if c.o.log != nil {
		fmt.Fprintf(c.o.log, "[cluster] "+format+"\n", a...)
	}
}
