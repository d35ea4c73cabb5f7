package run

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/drainproof/drainproof/internal/kube"
	"github.com/drainproof/drainproof/internal/probe/traffic"
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
