package istio

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

const injectInput = `apiVersion: apps/v1
kind: Deployment
metadata: {name: sshd, namespace: shop}
spec:
  selector: {matchLabels: {app: sshd}}
  template:
    metadata:
      labels: {app: sshd}
      annotations:
        proxy.istio.io/config: |
          terminationDrainDuration: 60s
    spec:
      containers:
      - {name: sshd, image: example/sshd:1}
`

// Offline injection renders the real injected pod with the cached istioctl (skipped, saying so,
// when the cache is cold: the Istio profile builds istioctl, this test does not).
func TestCachedInjectionRendersTheInjectedPod(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	in, err := CachedInjection(ctx, "")
	if errors.Is(err, ErrIstioctlNotBuilt) {
		t.Skipf("cold cache: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := in.Inject(ctx, []byte(injectInput), map[string]any{"proxyMetadata": map[string]any{"EXIT_ON_ZERO_ACTIVE_CONNECTIONS": "true"}},
		map[string]any{"global": map[string]any{"proxy": map[string]any{"lifecycle": map[string]any{"preStop": map[string]any{"exec": map[string]any{"command": []any{"sleep", "7"}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{"name: istio-proxy", `terminationDrainDuration`, "EXIT_ON_ZERO_ACTIVE_CONNECTIONS", "- sleep"} {
		if !strings.Contains(s, want) {
			t.Errorf("injected form lacks %q:\n%s", want, s)
		}
	}
}

func TestCachedInjectionIsNotBuiltInAnEmptyCache(t *testing.T) {
	_, err := CachedInjection(context.Background(), t.TempDir())
	if !errors.Is(err, ErrIstioctlNotBuilt) {
		t.Fatalf("empty cache: err = %v, want ErrIstioctlNotBuilt", err)
	}
}
