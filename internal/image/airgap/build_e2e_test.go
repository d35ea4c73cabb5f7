package airgap

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// TestBuildNodeImage builds (or reuses) the real air-gapped node image. It needs root, docker,
// debootstrap, the Debian mirror and the Go module proxy, and takes minutes cold: it runs only
// with DRAINPROOF_E2E=1.
func TestBuildNodeImage(t *testing.T) {
	if os.Getenv("DRAINPROOF_E2E") != "1" {
		t.Skip("set DRAINPROOF_E2E=1 to build the air-gapped node image")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	res, err := BuildNodeImage(ctx, Options{Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range res.Timings {
		t.Log(tm)
	}
	have, err := imgbuild.DockerImageExists(ctx, res.NodeImage)
	if err != nil || !have {
		t.Fatalf("docker has no %s after the build (err=%v)", res.NodeImage, err)
	}
	again, err := BuildNodeImage(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cached || again.NodeImage != res.NodeImage {
		t.Fatalf("second build: got %+v, want the cached %s", again, res.NodeImage)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }
