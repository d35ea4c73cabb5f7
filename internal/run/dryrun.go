package run

import (
	"context"
	"fmt"
	"io/fs"

	"k8s.io/client-go/rest"

	"github.com/drainproof/drainproof/internal/kube"
	"github.com/drainproof/drainproof/scenarios"
)

// DryRun renders s and has a real API server admit every object with a
// server-side dry-run apply into namespace ns (which must exist): schema,
// defaulting, CRDs and admission are checked, nothing is persisted. It is how
// profiles whose data path cannot run on a machine (no proxy image there)
// are still checked against a real API server.
func DryRun(ctx context.Context, cfg *rest.Config, s *scenarios.Scenario, files fs.FS, v scenarios.Values, ns string) (int, error) {
	clients, err := kube.FromConfig(cfg)
	if err != nil {
		return 0, err
	}
	v.Namespace = ns
	objs, err := scenarios.Render(files, s, v)
	if err != nil {
		return 0, err
	}
	if err := clients.Apply(ctx, ns, objs, true); err != nil {
		return 0, fmt.Errorf("%s: server-side dry-run: %w", s.Source, err)
	}
	return len(objs), nil
}
