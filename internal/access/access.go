// Package access is how a run gets at its cluster: the API, how built images
// reach the nodes, and what reports say about that. The run engine, the
// profiles and the CLI see a Cluster and nothing else; a kind cluster
// (*cluster.Cluster: images loaded into its nodes) and a cluster drainproof
// did not create (Existing: images pushed to a registry its nodes pull from)
// are the two implementations.
//
// Reaching the workloads is not part of it: the engine reaches a Service the
// same way on any cluster (its LoadBalancer address, else a node address and
// its NodePort), and says which it used.
package access

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	"github.com/drainproof/drainproof/internal/image"
)

// Cluster is a run's way into one cluster.
type Cluster interface {
	// Key identifies the cluster and how images reach it, for
	// once-per-cluster work in this process (image delivery and the image
	// table it yields, profile installs).
	Key() string
	// RESTConfig is a client config for the API server (a copy).
	RESTConfig() *rest.Config
	// Deliver makes a built image available to every node and returns the
	// reference pod specs must name for it.
	Deliver(ctx context.Context, b *image.Built) (string, error)
	// ImageSource says how images reached the nodes, for reports
	// ("loaded into the kind nodes", "pushed to HOST/REPO", ...).
	ImageSource() string
	// PullPolicy is what pod specs say for delivered images: Never when
	// they were loaded into the nodes (a missing image is an error, never a
	// download), IfNotPresent when the nodes pull them.
	PullPolicy() corev1.PullPolicy
}
