// Command kindnet-lite is the pod network of drainproof's air-gapped kind nodes, a stand-in for
// kind's kindnetd (whose source the Go module proxy does not serve). On every node it
//  1. writes a ptp + host-local + portmap CNI config for the node's podCIDR (ptp masquerades pod
//     egress), which is what makes the node Ready, and
//  2. keeps a route to every other node's podCIDR via that node's InternalIP.
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
	cs := kubernetes.NewForConfigOrDie(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	tick := time.NewTicker(3 * time.Second)
	defer tick.Stop()
	for {
		if err := reconcile(ctx, cs, me); err != nil {
			log.Print(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func reconcile(ctx context.Context, cs kubernetes.Interface, me string) error {
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
			if err := writeConf(n.Spec.PodCIDR); err != nil {
				log.Printf("write %s: %v", confPath, err)
			}
			continue
		}
		routeTo(n)
	}
	return nil
}

// writeConf writes the CNI config atomically, only when it changes.
func writeConf(podCIDR string) error {
	want := fmt.Sprintf(`{
  "cniVersion": "0.4.0",
  "name": "kindnet",
  "plugins": [
    {"type": "ptp", "ipMasq": true, "mtu": 1500,
     "ipam": {"type": "host-local", "dataDir": "/run/cni-ipam-state",
              "routes": [{"dst": "0.0.0.0/0"}], "ranges": [[{"subnet": %q}]]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
`, podCIDR)
	if cur, err := os.ReadFile(confPath); err == nil && string(cur) == want {
		return nil
	}
	if err := os.WriteFile(confPath+".tmp", []byte(want), 0o644); err != nil {
		return err
	}
	if err := os.Rename(confPath+".tmp", confPath); err != nil {
		return err
	}
	log.Printf("wrote %s for podCIDR %s", confPath, podCIDR)
	return nil
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
