package run

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/fixtures/caller/record"
	"github.com/drainproof/drainproof/internal/kube"
	httpprobe "github.com/drainproof/drainproof/internal/probe/http"
	"github.com/drainproof/drainproof/internal/probe/outbound"
	"github.com/drainproof/drainproof/internal/probe/remote"
	sshprobe "github.com/drainproof/drainproof/internal/probe/ssh"
	"github.com/drainproof/drainproof/internal/probe/traffic"
	"github.com/drainproof/drainproof/scenarios"
)

// In-cluster probers (Options.Probers > 0): the scenario's SSH, HTTP and
// load probes run as pods of the fixtures image (fixtures/prober), each
// holding its share of the sessions, connections and rate against the
// probed Service's ClusterIP, and streaming its events back through its log
// (see internal/probe/remote). The outbound probe reads the caller pod's
// log and stays with the harness.
const (
	proberContainer = "prober"
	proberPort      = 8081
	proberSecret    = "drainproof-prober"
	proberKeyDir    = "/etc/drainproof-prober"
	// proberNameLabel names one prober (its pod's name); HarnessLabel marks them all.
	proberNameLabel = "drainproof.dev/prober"
)

// proberPlan is the traffic of the whole run at in-cluster addresses.
type proberPlan struct {
	spec    traffic.Spec
	timeout time.Duration
}

func buildInCluster(ctx context.Context, o Options, probes scenarios.Probes, cs kubernetes.Interface, ns string, keys *sshMaterial) (*probeSet, error) {
	s := o.Scenario
	set := &probeSet{}
	plan := proberPlan{timeout: s.Timeout.Duration}
	reach := func(svc string, port int, field string) (string, error) {
		name, err := serviceName(ctx, cs, ns, svc, field)
		if err != nil {
			return "", err
		}
		addr, how, err := clusterAddress(ctx, cs, ns, name, port, field)
		if err != nil {
			return "", err
		}
		how += fmt.Sprintf(" from %d in-cluster prober pods", o.Probers)
		fmt.Fprintf(o.Log, "reaching %s\n", how)
		set.reached = append(set.reached, how)
		return addr, nil
	}
	var knownHosts string
	if c := probes.SSH; c != nil {
		addr, err := reach(c.Service, c.Port, "probes.ssh")
		if err != nil {
			return set, err
		}
		knownHosts = keys.knownHostsLine(addr)
		plan.spec.SSH = &traffic.SSH{Addr: addr, User: "drainproof",
			KeyFile: proberKeyDir + "/client_key", KnownHostsFile: proberKeyDir + "/known_hosts",
			Sessions: c.Sessions, Heartbeat: cmp.Or(c.Heartbeat.Duration, sshprobe.DefaultHeartbeat), Lifetime: c.Lifetime.Duration}
	}
	if c := probes.HTTP; c != nil {
		addr, err := reach(c.Service, c.Port, "probes.http")
		if err != nil {
			return set, err
		}
		plan.spec.HTTP = &traffic.HTTP{URL: "http://" + addr + c.Path, Connections: c.Connections,
			Interval: cmp.Or(c.Interval.Duration, httpprobe.DefaultInterval), Lifetime: c.Lifetime.Duration, Duration: s.Timeout.Duration}
	}
	if c := probes.Load; c != nil {
		addr, err := reach(c.Service, c.Port, "probes.load")
		if err != nil {
			return set, err
		}
		plan.spec.Load = &traffic.Load{URL: "http://" + addr + c.Path, Rate: c.Rate, Duration: c.Duration.Duration}
	}
	if knownHosts != "" {
		key, err := keys.clientKey()
		if err != nil {
			return set, err
		}
		sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: proberSecret},
			Data: map[string][]byte{"client_key": key, "known_hosts": []byte(knownHosts)}}
		if _, err := cs.CoreV1().Secrets(ns).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
			return set, fmt.Errorf("create prober secret: %w", err)
		}
	}
	shares := splitSpec(plan.spec, o.Probers)
	for i, sh := range shares {
		pod := proberPod(o, ns, fmt.Sprintf("dp-prober-%d", i), sh, plan.timeout, o.Cluster.PullPolicy(), knownHosts != "")
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			return set, fmt.Errorf("create prober pod %s: %w", pod.Name, err)
		}
		src := &podSource{cs: cs, ns: ns, name: pod.Name}
		set.probes = append(set.probes, traffic.Remote(remote.New(pod.Name, src, o.Log)))
	}
	set.probers = fmt.Sprintf("in-cluster: %d prober pods", len(shares))
	if c := probes.Outbound; c != nil {
		ts, err := traffic.New(traffic.Spec{Outbound: &outbound.Config{Client: cs, Namespace: ns, Selector: c.Selector,
			Container: c.Container, Parse: record.Parse, OK: record.OK}})
		if err != nil {
			return set, err
		}
		set.probes = append(set.probes, ts...)
	}
	return set, nil
}

// clusterAddress is a Service port's in-cluster address (ClusterIP:port).
func clusterAddress(ctx context.Context, cs kubernetes.Interface, ns, svc string, port int, field string) (addr, how string, err error) {
	s, err := cs.CoreV1().Services(ns).Get(ctx, svc, metav1.GetOptions{})
	if err != nil {
		return "", "", fmt.Errorf("%s.service %q: %w", field, svc, err)
	}
	found := false
	for _, p := range s.Spec.Ports {
		found = found || int(p.Port) == port
	}
	switch ip := s.Spec.ClusterIP; {
	case !found:
		return "", "", fmt.Errorf("%s.port: service %q has no port %d", field, svc, port)
	case ip == "" || ip == corev1.ClusterIPNone:
		return "", "", fmt.Errorf("%s.service %q: headless, no ClusterIP for in-cluster probers", field, svc)
	}
	addr = net.JoinHostPort(s.Spec.ClusterIP, strconv.Itoa(port))
	return addr, fmt.Sprintf("%s: service %s ClusterIP %s", field, svc, addr), nil
}

// splitSpec divides spec's sessions, connections and rate over n probers as
// evenly as possible (the first ones take the remainder). A prober whose
// share is nothing at all is left out, so fewer than n may come back.
func splitSpec(spec traffic.Spec, n int) []traffic.Spec {
	var out []traffic.Spec
	for i := range n {
		var sh traffic.Spec
		if c := spec.SSH; c != nil {
			if k := share(c.Sessions, n, i); k > 0 {
				cp := *c
				cp.Sessions = k
				sh.SSH = &cp
			}
		}
		if c := spec.HTTP; c != nil {
			if k := share(c.Connections, n, i); k > 0 {
				cp := *c
				cp.Connections = k
				sh.HTTP = &cp
			}
		}
		if c := spec.Load; c != nil {
			if k := share(c.Rate, n, i); k > 0 {
				cp := *c
				cp.Rate = k
				sh.Load = &cp
			}
		}
		if sh.SSH != nil || sh.HTTP != nil || sh.Load != nil {
			out = append(out, sh)
		}
	}
	return out
}

// share is prober i's part of total over n: total/n, plus one for the
// first total%n probers.
func share(total, n, i int) int {
	k := total / n
	if i < total%n {
		k++
	}
	return k
}

// proberArgs are fixtures/prober's flags for one share.
func proberArgs(sh traffic.Spec, timeout time.Duration) []string {
	args := []string{"--listen", ":" + strconv.Itoa(proberPort), "--duration", timeout.String()}
	if c := sh.SSH; c != nil {
		args = append(args, "--ssh", c.Addr, "--ssh-user", c.User, "--ssh-key", c.KeyFile, "--ssh-known-hosts", c.KnownHostsFile,
			"--sessions", strconv.Itoa(c.Sessions), "--heartbeat", c.Heartbeat.String(), "--ssh-lifetime", c.Lifetime.String())
	}
	if c := sh.HTTP; c != nil {
		args = append(args, "--http", c.URL, "--connections", strconv.Itoa(c.Connections),
			"--interval", c.Interval.String(), "--http-lifetime", c.Lifetime.String())
	}
	if c := sh.Load; c != nil {
		args = append(args, "--load", c.URL, "--rate", strconv.Itoa(c.Rate), "--load-duration", c.Duration.String())
	}
	return args
}

// proberPod is one prober's pod: the fixtures image, never restarted (a
// prober that dies makes the run INCOMPLETE), spread over the nodes (the
// control plane's included: its NoSchedule taint is tolerated), out of any
// mesh, labelled as the harness's own.
func proberPod(o Options, ns, name string, sh traffic.Spec, timeout time.Duration, pull corev1.PullPolicy, ssh bool) *corev1.Pod {
	labels := map[string]string{kube.HarnessLabel: "prober", proberNameLabel: name}
	grace := int64(30)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels,
			// An injected sidecar would carry the probes' traffic and never let the pod finish.
			Annotations: map[string]string{"sidecar.istio.io/inject": "false"}},
		Spec: corev1.PodSpec{
			RestartPolicy:                 corev1.RestartPolicyNever,
			TerminationGracePeriodSeconds: &grace,
			// As the catalog's multi-node scenarios: on kind the control plane is one of the nodes.
			Tolerations: []corev1.Toleration{{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
			TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
				MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.ScheduleAnyway,
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{kube.HarnessLabel: "prober"}},
			}},
			Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 100,
					PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname",
						LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{kube.HarnessLabel: "prober"}}}}},
			}},
			Containers: []corev1.Container{{
				Name: proberContainer, Image: o.Images["fixtures"], ImagePullPolicy: pull,
				Command: append([]string{"/usr/local/bin/prober"}, proberArgs(sh, timeout)...),
				Ports:   []corev1.ContainerPort{{Name: "clock", ContainerPort: proberPort}},
			}},
		},
	}
	if ssh {
		p.Spec.Volumes = []corev1.Volume{{Name: "keys", VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: proberSecret}}}}
		p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "keys", MountPath: proberKeyDir, ReadOnly: true}}
	}
	return p
}

// proberPlacement says where the prober pods run, for reports:
// "dp-prober-0 on node a, dp-prober-1 on node b".
func proberPlacement(ctx context.Context, cs kubernetes.Interface, ns string) string {
	l, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: kube.HarnessLabel + "=prober"})
	if err != nil {
		return ""
	}
	var parts []string
	for _, p := range l.Items {
		parts = append(parts, p.Name+" on node "+p.Spec.NodeName)
	}
	return strings.Join(parts, ", ")
}
