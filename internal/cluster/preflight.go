package cluster

import (
	"context"
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/kind/pkg/apis/config/defaults"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	kind "sigs.k8s.io/kind/pkg/cluster"

	"github.com/drainproof/drainproof/internal/image/airgap"
	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// KindDefaultNodeImage is the node image kind uses when none is given (pulled from Docker Hub).
const KindDefaultNodeImage = defaults.Image

// ImageCommand is the CLI command that builds the air-gapped node image.
const ImageCommand = "drainproof cluster image --air-gapped"

func displayImage(ref string) string {
	if ref == "" {
		return "kind default " + KindDefaultNodeImage
	}
	return ref
}

// preflightHost checks what every kind node needs from this host.
func preflightHost(ctx context.Context) error {
	if _, err := imgbuild.Docker(ctx, "info", "--format", "{{.ServerVersion}}"); err != nil {
		return fmt.Errorf("docker engine not reachable (start it, e.g. with ../shared/ci/docker-up): %w", err)
	}
	// kind bind-mounts /lib/modules read-only into every node.
	if _, err := os.Stat("/lib/modules"); err != nil {
		return fmt.Errorf("/lib/modules is missing on this host; kind mounts it into nodes (mkdir -p /lib/modules, as ../shared/ci/docker-up does): %w", err)
	}
	return nil
}

// checkNodeImage fails early, naming the image and the command that builds it, when an
// explicitly chosen drainproof node image is not in docker (kind would try to pull it).
func checkNodeImage(ctx context.Context, ref string) error {
	if ref == "" {
		return nil
	}
	have, err := imgbuild.DockerImageExists(ctx, ref)
	if err != nil {
		return err
	}
	if have {
		return nil
	}
	if strings.HasPrefix(ref, "drainproof/") {
		return fmt.Errorf("node image %s is not in the local docker engine; `%s` builds it", ref, ImageCommand)
	}
	return nil // kind pulls it (needs a registry)
}

func (o options) kindOptions() ([]kind.CreateOption, error) {
	k := []kind.CreateOption{
		kind.CreateWithRetain(o.keep),
		kind.CreateWithWaitForReady(o.waitReady),
		kind.CreateWithKubeconfigPath(o.kubeconfigPath),
		kind.CreateWithDisplayUsage(false),
		kind.CreateWithDisplaySalutation(false),
	}
	if o.nodeImage != "" {
		k = append(k, kind.CreateWithNodeImage(o.nodeImage))
	}
	switch {
	case o.rawConfig != nil:
		k = append(k, kind.CreateWithRawConfig(o.rawConfig))
	default:
		k = append(k, kind.CreateWithV1Alpha4Config(nodesConfig(o.workers)))
	}
	return k, nil
}

// nodesConfig is a kind config with one control-plane node and n workers.
func nodesConfig(workers int) *v1alpha4.Cluster {
	cfg := &v1alpha4.Cluster{TypeMeta: v1alpha4.TypeMeta{Kind: "Cluster", APIVersion: "kind.x-k8s.io/v1alpha4"}}
	cfg.Nodes = append(cfg.Nodes, v1alpha4.Node{Role: v1alpha4.ControlPlaneRole})
	for i := 0; i < workers; i++ {
		cfg.Nodes = append(cfg.Nodes, v1alpha4.Node{Role: v1alpha4.WorkerRole})
	}
	return cfg
}

// Missing is an image a cluster run needs that is not available yet, and how to get it.
type Missing struct {
	Image string
	How   string
}

func (m Missing) String() string { return m.Image + ": " + m.How }

// Preflight says, before any cluster is made, which node image the chosen mode needs and whether
// docker has it. Air-gapped: drainproof's own node image (built by `drainproof cluster image
// --air-gapped`). Default: kind's node image, which kind pulls from Docker Hub when absent.
// It contacts no registry. The fixture and gateway images are always built locally.
func Preflight(ctx context.Context, airGapped bool) ([]Missing, error) {
	if err := preflightHost(ctx); err != nil {
		return nil, err
	}
	if airGapped {
		ref, err := airgap.NodeImageRef(ctx, airgap.Options{})
		if err != nil {
			return nil, err
		}
		have, err := imgbuild.DockerImageExists(ctx, ref)
		if err != nil || have {
			return nil, err
		}
		return []Missing{{Image: ref, How: "run `" + ImageCommand + "` (builds it from Go modules and Debian packages; no registry; cached afterwards)"}}, nil
	}
	have, err := imgbuild.DockerImageExists(ctx, KindDefaultNodeImage)
	if err != nil || have {
		return nil, err
	}
	return []Missing{{Image: KindDefaultNodeImage, How: "kind pulls it from Docker Hub at cluster creation (`docker pull " +
		KindDefaultNodeImage + "` to fetch it first); with no registry reachable use --air-gapped"}}, nil
}
