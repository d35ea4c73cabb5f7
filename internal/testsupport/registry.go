package testsupport

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Registry is a real OCI registry (go-containerregistry's pkg/registry,
// blobs in memory) served over plain HTTP, with a log of the requests it
// answered, so a test can prove who pulled what from it.
type Registry struct {
	Host string // HOST:PORT, as image references and containerd name it

	mu   sync.Mutex
	reqs []RegistryRequest
}

// RegistryRequest is one request the registry answered.
type RegistryRequest struct {
	Method, Path, Query, Remote string // Remote is the client's IP
	Status                      int
}

// StartRegistry serves a registry on listen ("127.0.0.1:0", or an address
// kind's node containers reach, see KindNetworkGateway) until the test ends.
func StartRegistry(t testing.TB, listen string) *Registry {
	t.Helper()
	l, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatalf("registry: listen %s: %v", listen, err)
	}
	r := &Registry{Host: l.Addr().String()}
	h := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, req)
		host, _, _ := net.SplitHostPort(req.RemoteAddr)
		r.mu.Lock()
		r.reqs = append(r.reqs, RegistryRequest{Method: req.Method, Path: req.URL.Path, Query: req.URL.RawQuery, Remote: host, Status: sw.status})
		r.mu.Unlock()
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return r
}

// Requests is every request answered so far.
func (r *Registry) Requests() []RegistryRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]RegistryRequest(nil), r.reqs...)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }

// KindNetworkGateway is the IPv4 gateway of docker's "kind" network: the
// host's own address on the bridge kind's node containers sit on, so a
// server the test listens on there is reachable from every node (and from
// nowhere beyond this host). The host's own connections to it may arrive
// from another of its addresses (seen here: 192.0.2.2), never a node's.
func KindNetworkGateway(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("docker", "network", "inspect", "kind", "--format", "{{json .IPAM.Config}}").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("docker network inspect kind: %v: %s (kind creates the network with its first cluster)", err, ee.Stderr)
		}
		t.Fatalf("docker network inspect kind: %v", err)
	}
	var cfgs []struct{ Subnet, Gateway string }
	if err := json.Unmarshal(out, &cfgs); err != nil {
		t.Fatalf("docker network inspect kind: %v: %s", err, out)
	}
	for _, c := range cfgs {
		if ip := net.ParseIP(c.Gateway); ip != nil && ip.To4() != nil {
			return c.Gateway
		}
	}
	t.Fatalf("docker network kind has no IPv4 gateway: %s", out)
	return ""
}

// PushImage pushes a small random image (one 1 KiB layer) as ref, e.g.
// 127.0.0.1:PORT/istio/pilot:1.26.3 (plain HTTP: go-containerregistry treats
// loopback registries as insecure).
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
