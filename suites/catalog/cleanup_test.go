//go:build e2e

package catalog

import (
	"context"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/drainproof/drainproof/internal/run"
)

// Ctrl-C in the middle of a run (traffic established, disruption under way)
// leaves nothing behind: the run's namespace is deleted although the run's
// context is cancelled.
func TestInterruptedRunCleansUp(t *testing.T) {
	f := features.New("interrupted run cleans up").WithLabel("suite", "smoke").
		Assess("namespace gone after cancel", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			s, files, err := denv.Catalog.Resolve("gateway-rollout-ssh")
			if err != nil {
				t.Fatal(err)
			}
			runCtx, cancel := context.WithCancel(ctx)
			defer cancel()
			res, err := run.Run(runCtx, run.Options{
				Scenario: s, Files: files, Cluster: denv.Cluster, Images: denv.Base,
				OutDir: t.TempDir(), Log: &cancelOn{substr: "disruption:", cancel: cancel},
			})
			if err == nil {
				t.Fatal("a cancelled run returned no error")
			}
			if res == nil || res.Namespace == "" {
				t.Fatalf("no namespace recorded: %v", err)
			}
			cs, err := kubernetes.NewForConfig(denv.Cluster.RESTConfig())
			if err != nil {
				t.Fatal(err)
			}
			_, err = cs.CoreV1().Namespaces().Get(ctx, res.Namespace, metav1.GetOptions{})
			if !apierrors.IsNotFound(err) {
				t.Fatalf("namespace %s still exists after the cancelled run (get: %v)", res.Namespace, err)
			}
			return ctx
		}).Feature()
	testenv.Test(t, f)
}

// cancelOn cancels once the run logs substr (the disruption is starting).
type cancelOn struct {
	mu     sync.Mutex
	substr string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if strings.Contains(string(p), c.substr) {
		c.cancel()
	}
	return len(p), nil
}
