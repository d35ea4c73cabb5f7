package run

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/drainproof/drainproof/internal/access"
	"github.com/drainproof/drainproof/internal/kube"
	"github.com/drainproof/drainproof/internal/probe/traffic"
	"github.com/drainproof/drainproof/internal/verdict"
	"github.com/drainproof/drainproof/scenarios"
)

func TestParseProbers(t *testing.T) {
	for in, want := range map[string]int{"": 0, "host": 0, "in-cluster": ProbersPerNode, "in-cluster=1": 1, "in-cluster=12": 12} {
		got, err := ParseProbers(in)
		if err != nil || got != want {
			t.Errorf("ParseProbers(%q) = %d, %v; want %d", in, got, err, want)
		}
		if in != "" && ProbersString(got) != in {
			t.Errorf("ProbersString(%d) = %q, want %q", got, ProbersString(got), in)
		}
	}
	for _, in := range []string{"in-cluster=0", "in-cluster=", "in-cluster=x", "pods", "in-cluster=-1"} {
		if _, err := ParseProbers(in); err == nil {
			t.Errorf("ParseProbers(%q) accepted", in)
		}
	}
}

// The traffic is divided without loss: shares sum to the whole, differ by
// at most one, and a prober with no share at all is not made.
func TestSplitSpec(t *testing.T) {
	spec := traffic.Spec{
		SSH:  &traffic.SSH{Addr: "10.96.0.1:2222", Sessions: 21, Heartbeat: 100 * time.Millisecond},
		HTTP: &traffic.HTTP{URL: "http://10.96.0.2:80/", Connections: 2},
		Load: &traffic.Load{URL: "http://10.96.0.2:80/", Rate: 100},
	}
	shares := splitSpec(spec, 3)
	if len(shares) != 3 {
		t.Fatalf("%d shares, want 3", len(shares))
	}
	var sessions, conns, rate []int
	for _, sh := range shares {
		if sh.SSH != nil {
			sessions = append(sessions, sh.SSH.Sessions)
		}
		if sh.HTTP != nil {
			conns = append(conns, sh.HTTP.Connections)
		}
		if sh.Load != nil {
			rate = append(rate, sh.Load.Rate)
		}
	}
	if !slices.Equal(sessions, []int{7, 7, 7}) || !slices.Equal(conns, []int{1, 1}) || !slices.Equal(rate, []int{34, 33, 33}) {
		t.Errorf("sessions %v, connections %v, rate %v", sessions, conns, rate)
	}
	if spec.SSH.Sessions != 21 {
		t.Error("splitSpec changed the whole")
	}
	if n := len(splitSpec(traffic.Spec{SSH: &traffic.SSH{Sessions: 2}}, 5)); n != 2 {
		t.Errorf("2 sessions over 5 probers: %d pods, want 2", n)
	}
}

// Prober pods carry the harness label, which no scenario of the catalog
// selects, so no disruption targets them; they never restart and stay out
// of any mesh.
func TestProberPodIsNoTarget(t *testing.T) {
	o := Options{Images: map[string]string{"fixtures": "drainproof/fixtures:k"}}
	sh := traffic.Spec{SSH: &traffic.SSH{Addr: "10.96.0.1:2222", User: "drainproof", KeyFile: "/k", KnownHostsFile: "/kh", Sessions: 10}}
	p := proberPod(o, "ns", "dp-prober-0", sh, time.Minute, corev1.PullNever, true)
	if !kube.IsHarness(p.Labels) || p.Spec.RestartPolicy != "Never" || p.Annotations["sidecar.istio.io/inject"] != "false" {
		t.Errorf("labels %v, restart %s, annotations %v", p.Labels, p.Spec.RestartPolicy, p.Annotations)
	}
	args := strings.Join(p.Spec.Containers[0].Command, " ")
	if !strings.Contains(args, "--ssh 10.96.0.1:2222") || !strings.Contains(args, "--sessions 10") || !strings.Contains(args, "--ssh-known-hosts /kh") {
		t.Errorf("command %s", args)
	}
	cat, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range cat.Names() {
		s, _ := cat.Get(name)
		// deployment/NAME acts on that Deployment's pods (prober pods have no owner);
		// pods/LABEL=VALUE selects by label.
		raw, ok := strings.CutPrefix(s.Disruption.Target, "pods/")
		if !ok {
			continue
		}
		sel, err := labels.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		if sel.Matches(labels.Set(p.Labels)) {
			t.Errorf("%s: disruption target %q selects the prober pods", s.Name, s.Disruption.Target)
		}
	}
}

// buildInCluster against an API (client-go's fake clientset): the Service's
// ClusterIP is what the probers dial and what known_hosts pins, the
// sessions are split over the pods, and the key material is in a Secret
// the pods mount.
func TestBuildInCluster(t *testing.T) {
	dir := t.TempDir()
	kc := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`), 0o600); err != nil {
		t.Fatal(err)
	}
	acc, err := access.NewExisting(kc, "", access.Target{Repo: "127.0.0.1:5000/dp"})
	if err != nil {
		t.Fatal(err)
	}
	cs := fake.NewClientset(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "gateway", Namespace: "ns"},
		Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.10", Ports: []corev1.ServicePort{{Port: 2222}}}})
	keys, err := newSSHMaterial(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := &scenarios.Scenario{Timeout: verdict.Duration{Duration: 4 * time.Minute}}
	o := Options{Scenario: s, Cluster: acc, Images: map[string]string{"fixtures": "127.0.0.1:5000/dp/fixtures:k"}, Probers: 2, Log: io.Discard}
	probes := scenarios.Probes{SSH: &scenarios.SSHProbe{Service: "gateway", Port: 2222, Sessions: 21, Lifetime: verdict.Duration{Duration: 25 * time.Second}}}
	set, err := buildInCluster(t.Context(), o, probes, cs, "ns", keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.probes) != 2 || set.probers != "in-cluster: 2 prober pods" || !strings.Contains(strings.Join(set.reached, ""), "ClusterIP 10.96.0.10:2222") {
		t.Fatalf("%d probes, probers %q, reached %q", len(set.probes), set.probers, set.reached)
	}
	sec, err := cs.CoreV1().Secrets("ns").Get(t.Context(), proberSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(sec.Data["known_hosts"]), "10.96.0.10:2222 ") && !strings.HasPrefix(string(sec.Data["known_hosts"]), "[10.96.0.10]:2222 ") {
		t.Errorf("known_hosts %q does not pin the ClusterIP", sec.Data["known_hosts"])
	}
	for i, want := range []string{"--sessions 11", "--sessions 10"} {
		p, err := cs.CoreV1().Pods("ns").Get(t.Context(), fmt.Sprintf("dp-prober-%d", i), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		c := p.Spec.Containers[0]
		cmd := strings.Join(c.Command, " ")
		if !strings.Contains(cmd, "--ssh 10.96.0.10:2222") || !strings.Contains(cmd, want) || !strings.Contains(cmd, "--duration 4m0s") {
			t.Errorf("%s: %s", p.Name, cmd)
		}
		if c.Image != o.Images["fixtures"] || c.ImagePullPolicy != corev1.PullIfNotPresent || len(c.VolumeMounts) != 1 || p.Spec.Volumes[0].Secret.SecretName != proberSecret {
			t.Errorf("%s: image %s (%s), mounts %v", p.Name, c.Image, c.ImagePullPolicy, c.VolumeMounts)
		}
	}
}
