package run

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// A Service is reached through its LoadBalancer ingress when it has one,
// else through a node's ExternalIP, else its InternalIP, and the NodePort;
// the run says which.
func TestServiceAddressOrder(t *testing.T) {
	ctx := context.Background()
	svc := func(lb ...corev1.LoadBalancerIngress) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "gateway", Namespace: "ns"},
			Spec:   corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 2222, NodePort: 31000}}},
			Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: lb}}}
	}
	node := func(name string, addrs ...corev1.NodeAddress) *corev1.Node {
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.NodeStatus{Addresses: addrs}}
	}
	internal := node("kind-cp", corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: "172.18.0.3"})
	external := node("cloud-1", corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: "10.0.0.7"},
		corev1.NodeAddress{Type: corev1.NodeExternalIP, Address: "203.0.113.9"})
	for _, tc := range []struct {
		name     string
		objs     []any
		addr     string
		howHas   string
		errorHas string
	}{
		{"kind: InternalIP and NodePort", []any{svc(), internal}, "172.18.0.3:31000", "NodePort 31000 on node kind-cp InternalIP 172.18.0.3", ""},
		{"ExternalIP before InternalIP", []any{svc(), internal, external}, "203.0.113.9:31000", "node cloud-1 ExternalIP", ""},
		{"LoadBalancer IP first", []any{svc(corev1.LoadBalancerIngress{IP: "198.51.100.4"}), external}, "198.51.100.4:2222", "LoadBalancer ingress 198.51.100.4:2222", ""},
		{"LoadBalancer hostname", []any{svc(corev1.LoadBalancerIngress{Hostname: "lb.example.com"}), external}, "lb.example.com:2222", "LoadBalancer ingress", ""},
		{"no node address", []any{svc()}, "", "", "no node has an IPv4 ExternalIP or InternalIP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := fake.NewSimpleClientset()
			for _, o := range tc.objs {
				switch o := o.(type) {
				case *corev1.Service:
					_, _ = cs.CoreV1().Services(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
				case *corev1.Node:
					_, _ = cs.CoreV1().Nodes().Create(ctx, o, metav1.CreateOptions{})
				}
			}
			addr, how, err := serviceAddress(ctx, cs, "ns", "gateway", 2222, "probes.ssh")
			if tc.errorHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errorHas) {
					t.Fatalf("err = %v, want %q", err, tc.errorHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if addr != tc.addr || !strings.Contains(how, tc.howHas) || !strings.HasPrefix(how, "probes.ssh: service gateway ") {
				t.Fatalf("got %s (%s), want %s (%s)", addr, how, tc.addr, tc.howHas)
			}
		})
	}
	cs := fake.NewSimpleClientset(svc(), internal)
	if _, _, err := serviceAddress(ctx, cs, "ns", "gateway", 80, "probes.http"); err == nil || !strings.Contains(err.Error(), "probes.http.port: service \"gateway\" has no port 80") {
		t.Fatalf("unknown port: %v", err)
	}
}
