package cluster

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	kindlog "sigs.k8s.io/kind/pkg/log"

	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
)

// LoadImageArchive imports a docker-archive (or OCI) image tarball into the containerd of every
// node, so pods use its images with imagePullPolicy IfNotPresent and no registry.
func (c *Cluster) LoadImageArchive(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("image archive: %w", err)
	}
	return c.LoadImageArchiveFrom(ctx, path, func() (io.ReadCloser, error) { return os.Open(path) })
}

// LoadImageArchiveFrom is LoadImageArchive for any source: open is called once per node (each
// node reads its own stream); what names the archive in errors.
func (c *Cluster) LoadImageArchiveFrom(ctx context.Context, what string, open func() (io.ReadCloser, error)) error {
	nodes, err := c.provider.ListInternalNodes(c.Name)
	if err != nil {
		return fmt.Errorf("cluster %s: list nodes: %w", c.Name, err)
	}
	if len(nodes) == 0 {
		return fmt.Errorf("cluster %s has no nodes to load %s into", c.Name, what)
	}
	t0 := time.Now()
	g, ctx := errgroup.WithContext(ctx)
	for _, n := range nodes {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			r, err := open()
			if err != nil {
				return fmt.Errorf("open %s: %w", what, err)
			}
			defer r.Close()
			if err := nodeutils.LoadImageArchive(n, r); err != nil {
				return fmt.Errorf("load %s into node %s: %w", what, n.String(), err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	c.logf("loaded %s into %d node(s) in %.1fs", what, len(nodes), time.Since(t0).Seconds())
	return nil
}

// ExportLogs writes kind's log bundle for the cluster (per node: journal, kubelet, containerd,
// pod logs, inspect output) into dir.
func (c *Cluster) ExportLogs(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := c.provider.CollectLogs(c.Name, dir); err != nil {
		return fmt.Errorf("export logs of cluster %s to %s: %w", c.Name, dir, err)
	}
	return nil
}

// kindLogger adapts kind's logger to an io.Writer: warnings, errors and V(0) status lines are
// written; kind's debug levels are dropped.
type kindLogger struct{ w io.Writer }

func (l kindLogger) Warn(m string)                        { l.out("WARN " + m) }
func (l kindLogger) Warnf(f string, a ...any)             { l.out("WARN " + fmt.Sprintf(f, a...)) }
func (l kindLogger) Error(m string)                       { l.out("ERROR " + m) }
func (l kindLogger) Errorf(f string, a ...any)            { l.out("ERROR " + fmt.Sprintf(f, a...)) }
func (l kindLogger) V(v kindlog.Level) kindlog.InfoLogger { return kindInfo{l: l, on: v <= 0} }

func (l kindLogger) out(m string) {
	if m = strings.TrimRight(m, "\n"); l.w != nil && m != "" {
		fmt.Fprintf(l.w, "[kind] %s\n", m)
	}
}

type kindInfo struct {
	l  kindLogger
	on bool
}

func (i kindInfo) Info(m string) {
	if i.on {
		i.l.out(m)
	}
}
func (i kindInfo) Infof(f string, a ...any) { i.Info(fmt.Sprintf(f, a...)) }
func (i kindInfo) Enabled() bool            { return i.on && i.l.w != nil }

// ExportLogsOf exports the logs of the named kind cluster (see Cluster.ExportLogs) without
// connecting to it: a cluster too broken to answer still has logs.
func ExportLogsOf(ctx context.Context, name, dir string) error {
	if err := validName(name); err != nil {
		return err
	}
	c := &Cluster{Name: name, provider: newProvider(defaultOptions())}
	return c.ExportLogs(ctx, dir)
}
