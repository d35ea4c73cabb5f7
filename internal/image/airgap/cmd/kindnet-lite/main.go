// Command kindnet-lite is the pod network of drainproof's air-gapped kind nodes, a stand-in for
// kind's kindnetd (whose source the Go module proxy does not serve). On every node it
//  1. writes a ptp + host-local + portmap CNI config for the node's podCIDR, which is what makes
//     the node Ready, and
//  2. keeps a route to every other node's podCIDR via that node's InternalIP.
//
// Like kindnetd it masquerades only traffic leaving the cluster's pod subnet (POD_SUBNET, which
// kind renders into the DaemonSet): pod to pod across nodes keeps the source pod's IP, so a
// backend sees which gateway pod called it. ptp's ipMasq exempts the subnet of the pod's address,
// so each pod's address is in the whole pod subnet (e.g. 10.244.1.5/16) while host-local hands
// out addresses only from the node's podCIDR, with the podCIDR's first address as gateway.
//
// It lists nodes at startup and then every few seconds (a node joining is seen within that time).
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

const confPath = "/etc/cni/net.d/10-kindnet.conflist"

func main() {
	cfg, err := rest.InClusterConfig()
	if err != nil {
		log.Fatalf("in-cluster config: %v", err)
	}
	if ep := os.Getenv("CONTROL_PLANE_ENDPOINT"); ep != "" { // kind injects this into its nodes
		cfg.Host = "https://" + ep
	}
	me := os.Getenv("NODE_NAME")
	if me == "" {
		log.Fatal("NODE_NAME is not set (the DaemonSet passes spec.nodeName)")
	}
	clusterCIDR, err := ipv4Subnet(os.Getenv("POD_SUBNET"))
	if err != nil {
		log.Fatalf("POD_SUBNET (kind renders the cluster's pod subnet into the DaemonSet): %v", err)
	}
	cs := kubernetes.NewForConfigOrDie(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	tick := time.NewTicker(3 * time.Second)
	defer tick.Stop()
	for {
		if err := reconcile(ctx, cs, me, clusterCIDR); err != nil {
			log.Print(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func reconcile(ctx context.Context, cs kubernetes.Interface, me string, clusterCIDR *net.IPNet) error {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	for i := range nodes.Items {
		n := &nodes.Items[i]
		if n.Spec.PodCIDR == "" {
			continue
		}
		if n.Name == me {
			if err := writeConf(n.Spec.PodCIDR, clusterCIDR); err != nil {
				log.Printf("write %s: %v", confPath, err)
			}
			continue
		}
		routeTo(n)
	}
	return nil
}

// writeConf writes the CNI config atomically, only when it changes.
func writeConf(podCIDR string, clusterCIDR *net.IPNet) error {
	want, err := cniConfig(podCIDR, clusterCIDR)
	if err != nil {
		return err
	}
	if cur, err := os.ReadFile(confPath); err == nil && string(cur) == want {
		return nil
	}
	if err := os.WriteFile(confPath+".tmp", []byte(want), 0o644); err != nil {
		return err
	}
	if err := os.Rename(confPath+".tmp", confPath); err != nil {
		return err
	}
	log.Printf("wrote %s for podCIDR %s in cluster subnet %s", confPath, podCIDR, clusterCIDR)
	return nil
}

// cniConfig is the node's CNI config: addresses from podCIDR (its first address is the gateway
// on the host side of every pod's veth), each in clusterCIDR's subnet, so ptp's ipMasq leaves
// pod-to-pod traffic of the whole cluster alone and masquerades the rest.
func cniConfig(podCIDR string, clusterCIDR *net.IPNet) (string, error) {
	_, pod, err := net.ParseCIDR(podCIDR)
	if err != nil || pod.IP.To4() == nil {
		return "", fmt.Errorf("node podCIDR %q: not an IPv4 CIDR", podCIDR)
	}
	podOnes, _ := pod.Mask.Size()
	clusterOnes, _ := clusterCIDR.Mask.Size()
	if !clusterCIDR.Contains(pod.IP) || podOnes < clusterOnes {
		return "", fmt.Errorf("node podCIDR %s is not inside the cluster pod subnet %s", podCIDR, clusterCIDR)
	}
	if podOnes > 30 {
		return "", fmt.Errorf("node podCIDR %s: too small for a gateway and pods", podCIDR)
	}
	first := addIPv4(pod.IP, 1)
	last := addIPv4(pod.IP, (1<<(32-podOnes))-2) // the podCIDR's broadcast address is never handed out
	return fmt.Sprintf(`{
  "cniVersion": "0.4.0",
  "name": "kindnet",
  "plugins": [
    {"type": "ptp", "ipMasq": true, "mtu": 1500,
     "ipam": {"type": "host-local", "dataDir": "/run/cni-ipam-state",
              "routes": [{"dst": "0.0.0.0/0"}],
              "ranges": [[{"subnet": %q, "rangeStart": %q, "rangeEnd": %q, "gateway": %q}]]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
`, clusterCIDR.String(), addIPv4(first, 1).String(), last.String(), first.String()), nil
}

// ipv4Subnet is the IPv4 CIDR among kind's comma-separated pod subnets (dual stack lists two).
func ipv4Subnet(s string) (*net.IPNet, error) {
	for _, f := range strings.Split(s, ",") {
		if _, n, err := net.ParseCIDR(strings.TrimSpace(f)); err == nil && n.IP.To4() != nil {
			return n, nil
		}
	}
	return nil, fmt.Errorf("%q has no IPv4 CIDR", s)
}

func addIPv4(ip net.IP, n int) net.IP {
	v := uint32(ip.To4()[0])<<24 | uint32(ip.To4()[1])<<16 | uint32(ip.To4()[2])<<8 | uint32(ip.To4()[3])
	v += uint32(n)
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v)).To4()
}

// routeTo keeps the route to another node's IPv4 podCIDR via its InternalIP.
func routeTo(n *corev1.Node) {
	_, dst, err := net.ParseCIDR(n.Spec.PodCIDR)
	if err != nil || dst.IP.To4() == nil {
		return
	}
	var gw net.IP
	for _, a := range n.Status.Addresses {
		if ip := net.ParseIP(a.Address); a.Type == corev1.NodeInternalIP && ip.To4() != nil {
			gw = ip
		}
	}
	if gw == nil {
		return
	}
	if err := netlink.RouteReplace(&netlink.Route{Dst: dst, Gw: gw}); err != nil {
		log.Printf("route %s via %s (node %s): %v", dst, gw, n.Name, err)
	}
}
