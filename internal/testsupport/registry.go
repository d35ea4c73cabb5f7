package testsupport

import (
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// StartRegistry serves go-containerregistry's in-memory OCI registry (the distribution API,
// a real registry, not a stand-in for one) on loopback for the test's life and returns its
// host:port. Image references under it are plain HTTP (go-containerregistry treats loopback
// registries as insecure).
func StartRegistry(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// PushImage pushes a small random image (one 1 KiB layer) as ref, e.g. 127.0.0.1:PORT/istio/pilot:1.26.3.
func PushImage(t testing.TB, ref string) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
}
