package run

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/internal/probe"
)

// nodeAddress is where the harness reaches NodePorts when a Service has no
// LoadBalancer address: a node's ExternalIP, else its InternalIP (kind
// nodes have only an InternalIP, on a bridge the host routes to), the
// first node that has one. It says which address it picked.
func nodeAddress(ctx context.Context, cs kubernetes.Interface) (addr, how string, err error) {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", "", fmt.Errorf("list nodes: %w", err)
	}
	for _, t := range []corev1.NodeAddressType{corev1.NodeExternalIP, corev1.NodeInternalIP} {
		for _, n := range nodes.Items {
			for _, a := range n.Status.Addresses {
				if a.Type == t && net.ParseIP(a.Address).To4() != nil {
					return a.Address, fmt.Sprintf("node %s %s %s", n.Name, t, a.Address), nil
				}
			}
		}
	}
	return "", "", fmt.Errorf("no node has an IPv4 ExternalIP or InternalIP")
}

// serviceAddress is host:port where the harness reaches a Service's port,
// in order: the Service's LoadBalancer ingress (IP or hostname) and the
// port itself, else a node address (nodeAddress) and the port's NodePort.
// how says which, for the run's log and reports; field names the scenario
// field at fault in errors.
func serviceAddress(ctx context.Context, cs kubernetes.Interface, ns, svc string, port int, field string) (addr, how string, err error) {
	s, err := cs.CoreV1().Services(ns).Get(ctx, svc, metav1.GetOptions{})
	if err != nil {
		return "", "", fmt.Errorf("%s.service %q: %w", field, svc, err)
	}
	var sp *corev1.ServicePort
	for i, p := range s.Spec.Ports {
		if int(p.Port) == port {
			sp = &s.Spec.Ports[i]
		}
	}
	if sp == nil {
		return "", "", fmt.Errorf("%s.port: service %q has no port %d", field, svc, port)
	}
	for _, in := range s.Status.LoadBalancer.Ingress {
		host := cmp.Or(in.IP, in.Hostname)
		if host != "" {
			addr = net.JoinHostPort(host, strconv.Itoa(port))
			return addr, fmt.Sprintf("%s: service %s LoadBalancer ingress %s", field, svc, addr), nil
		}
	}
	if sp.NodePort == 0 {
		return "", "", fmt.Errorf("%s.service %q: port %d has no LoadBalancer address and no nodePort (the Service must be type NodePort or LoadBalancer)", field, svc, port)
	}
	host, node, err := nodeAddress(ctx, cs)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", field, err)
	}
	addr = net.JoinHostPort(host, strconv.Itoa(int(sp.NodePort)))
	return addr, fmt.Sprintf("%s: service %s NodePort %d on %s", field, svc, sp.NodePort, node), nil
}

// waitAccepting is probe.WaitAccepting with the scenario field named: a
// target that never accepts is a setup error naming it.
func waitAccepting(ctx context.Context, addr, field string, timeout time.Duration) error {
	if err := probe.WaitAccepting(ctx, addr, timeout); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}
