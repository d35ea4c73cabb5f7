package cluster

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	"github.com/drainproof/drainproof/internal/image"
)

// A *Cluster is a run's access to a kind cluster (internal/access.Cluster):
// built images are loaded into every node, never pulled.

// Key is the kind cluster's name.
func (c *Cluster) Key() string { return "kind:" + c.Name }

// Deliver loads b's archive into every node; pods name b.Ref.
func (c *Cluster) Deliver(ctx context.Context, b *image.Built) (string, error) {
	if err := c.LoadImageArchive(ctx, b.Archive); err != nil {
		return "", err
	}
	return b.Ref, nil
}

// ImageSource says images were loaded, not pulled.
func (c *Cluster) ImageSource() string { return "loaded into the kind nodes of " + c.Name }

// PullPolicy is Never: a missing image is an error, never a download.
func (c *Cluster) PullPolicy() corev1.PullPolicy { return corev1.PullNever }
