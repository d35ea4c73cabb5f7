package run

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// nodeAddress is where the harness reaches NodePorts: the first node's
// InternalIP (kind nodes are containers on a bridge the host routes to).
func nodeAddress(ctx context.Context, cs kubernetes.Interface) (string, error) {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", fmt.Errorf("list nodes: %w", err)
	}
	for _, n := range nodes.Items {
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP && net.ParseIP(a.Address).To4() != nil {
				return a.Address, nil
			}
		}
	}
	return "", fmt.Errorf("no node has an IPv4 InternalIP")
}

// nodePort returns host:nodePort for a Service port; field names the
// scenario field at fault in errors.
func nodePort(ctx context.Context, cs kubernetes.Interface, ns, svc string, port int, host, field string) (string, error) {
	s, err := cs.CoreV1().Services(ns).Get(ctx, svc, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("%s.service %q: %w", field, svc, err)
	}
	for _, p := range s.Spec.Ports {
		if int(p.Port) == port {
			if p.NodePort == 0 {
				return "", fmt.Errorf("%s.service %q: port %d has no nodePort (the Service must be type NodePort)", field, svc, port)
			}
			return net.JoinHostPort(host, strconv.Itoa(int(p.NodePort))), nil
		}
	}
	return "", fmt.Errorf("%s.port: service %q has no port %d", field, svc, port)
}

// waitAccepting holds until addr accepts a TCP connection: a Deployment can
// be available a moment before kube-proxy routes its NodePort. A target that
// never accepts is a setup error naming the scenario field.
func waitAccepting(ctx context.Context, addr, field string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	var last error
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return c.Close()
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %s does not accept connections after %s: %v", field, addr, timeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
