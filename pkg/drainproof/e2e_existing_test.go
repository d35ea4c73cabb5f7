//go:build e2e

package drainproof_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/internal/cluster"
	"github.com/drainproof/drainproof/internal/testsupport"
	"github.com/drainproof/drainproof/internal/verdict"
	"github.com/drainproof/drainproof/pkg/drainproof"
)

var existingCluster = flag.String("existing-cluster", "dp-reg-b", "kind cluster this test creates (and deletes) to treat as an existing cluster")

// TestExistingCluster runs a smoke pair on a cluster drainproof did not
// create, through its kubeconfig alone, with images from a registry:
// a real registry (go-containerregistry's) on the host's address on kind's
// docker network, and a kind cluster whose containerd pulls from it over
// plain HTTP (registry hosts dir /etc/containerd/certs.d, mounted from the
// test) and uses it as its docker.io and registry.k8s.io mirror. Nothing is
// loaded into the nodes: the pods' imageIDs and the registry's request log
// prove the nodes pulled every image. Then the connected path: the same
// scenario naming upstream (docker.io) refs, pulled through the mirror.
func TestExistingCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Minute)
	defer cancel()
	gw := testsupport.KindNetworkGateway(t) // see testsupport.KindNetworkGateway
	reg := testsupport.StartRegistry(t, gw+":0")
	t.Logf("registry at %s (kind network gateway)", reg.Host)

	certs := t.TempDir()
	mirror := fmt.Sprintf("[host.\"http://%s\"]\n  capabilities = [\"pull\", \"resolve\"]\n", reg.Host)
	for host, server := range map[string]string{reg.Host: "http://" + reg.Host, "docker.io": "https://registry-1.docker.io", "registry.k8s.io": "https://registry.k8s.io"} {
		dir := filepath.Join(certs, host)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "hosts.toml"), []byte(fmt.Sprintf("server = %q\n\n%s", server, mirror)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	kindConfig := fmt.Sprintf(`kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
containerdConfigPatches:
- |-
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "/etc/containerd/certs.d"
nodes:
- role: control-plane
  extraMounts:
  - {hostPath: %q, containerPath: /etc/containerd/certs.d, readOnly: true}
`, certs)

	// The cluster: made with the normal cluster code (air-gapped node
	// image, nothing of ours loaded), then forgotten but for its kubeconfig.
	imgs, err := cluster.BuildImages(ctx, cluster.ImagesOptions{AirGapped: true, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	_ = cluster.Delete(ctx, *existingCluster) // a leftover would be reused with another registry port
	c, err := cluster.Create(ctx, *existingCluster, cluster.NodeImage(imgs.Node), cluster.Config([]byte(kindConfig)), cluster.Log(testLog{t}))
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("DRAINPROOF_KEEP") != "1" {
		t.Cleanup(func() {
			if err := c.Delete(context.Background()); err != nil {
				t.Errorf("delete cluster: %v", err)
			}
		})
	}
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	raw, err := os.ReadFile(c.KubeconfigPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kubeconfig, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nodeIPs := map[string]bool{}
	for _, n := range nodes.Items {
		for _, a := range n.Status.Addresses {
			nodeIPs[a.Address] = true
		}
	}
	pods := watchPodImages(ctx, t, cs)

	// Each run's image table (fixtures, gateway) names what its pods ran.
	t.Run("pushed to --registry", func(t *testing.T) {
		repo := reg.Host + "/dp-test"
		var res *drainproof.Result
		for _, name := range []string{"gateway-rollout-ssh", "gateway-rollout-ssh-nodrain"} {
			r, out := runExisting(ctx, t, name, drainproof.WithKubeconfig(kubeconfig), drainproof.WithRegistry(repo))
			assertCleanedUp(ctx, t, cs, r.Namespace)
			assertSummary(t, out, "| images | pushed to "+repo+" |", "| image fixtures | "+repo+"/fixtures:", "| image gateway | "+repo+"/gateway:", "| reached | probes.ssh: service gateway NodePort ")
			res = r
		}
		for _, img := range []string{"fixtures", "gateway"} {
			ref := res.Env.Images[img] // REG/dp-test/NAME:TAG
			// The node resolved the tag at the registry and ran what it holds,
			// under the registry's name (the node never had the image before).
			assertResolved(t, reg, strings.TrimPrefix(ref, reg.Host+"/"), nodeIPs, "")
			assertRan(t, pods, registryDigest(t, ref), reg.Host+"/dp-test/"+img+"@")
		}
	})

	t.Run("pulled through the docker.io mirror", func(t *testing.T) {
		res, out := runExisting(ctx, t, "gateway-rollout-ssh", drainproof.WithKubeconfig(kubeconfig), drainproof.WithRegistryMirror(reg.Host))
		assertCleanedUp(ctx, t, cs, res.Namespace)
		assertSummary(t, out, "| images | pulled through mirror "+reg.Host, "| image fixtures | drainproof/fixtures:", "| image gateway | drainproof/gateway:")
		for _, img := range []string{"fixtures", "gateway"} {
			ref := res.Env.Images[img] // drainproof/NAME:TAG, a docker.io name
			// containerd asked the mirror, as docker.io's (ns=docker.io), for
			// the upstream name. Its content is the same build the first
			// subtest pulled, so the manifest and blobs were already in the
			// node's content store: the mirror answers the resolve (HEAD),
			// and the pod runs the digest it named.
			assertResolved(t, reg, ref, nodeIPs, "ns=docker.io")
			assertRan(t, pods, registryDigest(t, reg.Host+"/"+ref), "")
		}
	})

	// The profiles with a cluster-wide install: their images built here (Istio: istiod and the
	// injected proxy, pilot-agent + the Envoy stand-in; Envoy Gateway: the control plane, also the
	// proxies' shutdown manager, and the proxies' Envoy stand-in), pushed with the fixtures and
	// pulled by the node (never loaded).
	for _, pc := range []struct {
		profile string
		pair    []string // a good scenario and its known-bad twin
		images  []string // the profile's image-table names
	}{
		{"istio", []string{"istio-ssh-exit-on-zero", "istio-ssh-drain-short"}, []string{"istiod", "istio-proxy"}},
		{"envoy-gateway", []string{"envoy-gateway-rollout-ssh", "envoy-gateway-rollout-ssh-drain-short"}, []string{"envoy-gateway", "envoy-gateway-proxy"}},
	} {
		t.Run(pc.profile+" pushed to --registry", func(t *testing.T) {
			repo := reg.Host + "/dp-test"
			want := []string{"| images | pushed to " + repo + " |"}
			for _, img := range pc.images {
				want = append(want, "| image "+img+" | "+repo+"/")
			}
			var res *drainproof.Result
			for _, name := range pc.pair {
				r, out := runExisting(ctx, t, name, drainproof.WithKubeconfig(kubeconfig), drainproof.WithRegistry(repo))
				assertCleanedUp(ctx, t, cs, r.Namespace)
				assertSummary(t, out, want...)
				res = r
			}
			for _, img := range pc.images {
				ref := res.Env.Images[img]
				if !strings.HasPrefix(ref, repo+"/") {
					t.Fatalf("image %s is %q, not pushed to %s", img, ref, repo)
				}
				assertResolved(t, reg, strings.TrimPrefix(ref, reg.Host+"/"), nodeIPs, "")
				assertRan(t, pods, registryDigest(t, ref), "")
			}
		})
	}
}

// registryDigest is the manifest digest the registry holds for ref.
func registryDigest(t *testing.T, ref string) string {
	t.Helper()
	desc, err := remote.Get(mustRef(t, ref))
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	return desc.Digest.String()
}

// runExisting runs one scenario with opts; a good scenario must pass, a
// known-bad twin must fail as it says (attributed).
func runExisting(ctx context.Context, t *testing.T, scenario string, opts ...drainproof.Option) (*drainproof.Result, string) {
	t.Helper()
	s, err := drainproof.LoadScenario(scenario)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(os.Getenv("DRAINPROOF_OUT"), "existing", strings.ReplaceAll(t.Name(), "/", "_"), scenario)
	if os.Getenv("DRAINPROOF_OUT") == "" {
		out = filepath.Join(t.TempDir(), scenario)
	}
	res, err := drainproof.Run(ctx, s, append(opts, drainproof.WithOut(out), drainproof.WithLog(testLog{t}))...)
	if err != nil {
		t.Fatalf("%s: %v (reports in %s)", scenario, err, out)
	}
	v := res.Verdict
	t.Logf("%s: %s drops=%d (reports in %s)", scenario, v.Outcome, v.Drops, out)
	want := verdict.Pass
	if s.IsNegativeControl() {
		want = verdict.FailedAsExpected
	}
	// A wrong verdict fails the test but the image and cleanup checks
	// still run: they do not depend on it.
	if v.Outcome != want {
		t.Errorf("%s: %s, want %s (reports in %s)", scenario, v.Outcome, want, out)
	}
	if s.IsNegativeControl() && (v.Control == nil || !v.Control.Held) {
		t.Errorf("%s: the negative control did not hold: %+v", scenario, v.Control)
	}
	return res, out
}

func assertCleanedUp(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string) {
	t.Helper()
	if _, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s still there after the run (get: %v)", ns, err)
	}
}

// assertSummary: summary.md says where the images came from and how the
// gateway was reached.
func assertSummary(t *testing.T, out string, want ...string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !strings.Contains(string(b), w) {
			t.Errorf("%s/summary.md does not say %q:\n%s", out, w, b)
		}
	}
}

// assertResolved: a node asked the registry for repoTag's manifest (HEAD
// or GET by tag: how containerd resolves a name; query, when given, is in
// the request, e.g. ns=docker.io for a mirror) and got it.
func assertResolved(t *testing.T, reg *testsupport.Registry, repoTag string, nodeIPs map[string]bool, query string) {
	t.Helper()
	repo, tag, _ := strings.Cut(repoTag, ":")
	var hits []testsupport.RegistryRequest
	for _, q := range reg.Requests() {
		if nodeIPs[q.Remote] && q.Status == 200 && q.Path == "/v2/"+repo+"/manifests/"+tag && strings.Contains(q.Query, query) {
			hits = append(hits, q)
		}
	}
	if len(hits) == 0 {
		t.Errorf("no node resolved %s at the registry (query %q); requests: %+v", repoTag, query, reg.Requests())
		return
	}
	t.Logf("registry answered %d node request(s) for %s, e.g. %s %s?%s from %s", len(hits), repoTag, hits[0].Method, hits[0].Path, hits[0].Query, hits[0].Remote)
}

// assertRan: a running container's imageID is digest (under name, when
// given: "REG/REPO@").
func assertRan(t *testing.T, pods *podImages, digest, name string) {
	t.Helper()
	for _, id := range pods.all() {
		if strings.HasSuffix(id, "@"+digest) && strings.HasPrefix(id, name) {
			t.Logf("a container ran %s", id)
			return
		}
	}
	t.Errorf("no running container's imageID is %s%s; seen: %v", name, digest, pods.all())
}

// podImages records the imageID of every running container in a run's
// namespace (dp-*) and in the profiles' (istio-system, envoy-gateway-system) while the test runs.
type podImages struct {
	mu  sync.Mutex
	ids map[string]bool
}

func watchPodImages(ctx context.Context, t *testing.T, cs kubernetes.Interface) *podImages {
	p := &podImages{ids: map[string]bool{}}
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			if list, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{}); err == nil {
				p.mu.Lock()
				for _, pod := range list.Items {
					if !strings.HasPrefix(pod.Namespace, "dp-") && pod.Namespace != "istio-system" && pod.Namespace != "envoy-gateway-system" {
						continue
					}
					for _, st := range append(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses...) {
						if st.ImageID != "" {
							p.ids[st.ImageID] = true
						}
					}
				}
				p.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

func (p *podImages) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for id := range p.ids {
		out = append(out, id)
	}
	return out
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
